import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The virtual environment .ci/run fills from test/support/python/requirements.txt. */
export const PYTHON_VENV = process.env.LOGSHIP_TEST_PYTHON_VENV ?? join(homedir(), '.cache', 'logship', 'python');

/** The folder of the Python scripts the tests run. */
export const PYTHON_SCRIPTS = join(import.meta.dirname, 'python');

/** The test suite's Python with its PyPI packages; fails with how to install them instead of skipping. */
export function testPython(): string {
  const python = join(PYTHON_VENV, 'bin', 'python');
  if (!existsSync(python))
    throw new Error(
      `${python} is missing: the tests run real Python clients from PyPI. Install them as .ci/run does: ` +
        `python3 -m venv ${PYTHON_VENV} && ${PYTHON_VENV}/bin/pip install -r test/support/python/requirements.txt`,
    );
  return python;
}

/** Runs a script of test/support/python/ to its end; rejects with its output when it fails. */
export function runPythonScript(script: string, args: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      testPython(),
      [join(PYTHON_SCRIPTS, script), ...args],
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${script} failed: ${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}
