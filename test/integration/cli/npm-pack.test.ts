import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '../../support/processes.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/**
 * Runs a command to its end in its own process group; rejects with its output when it fails. On timeout the whole
 * group is killed: npm's install scripts start node-gyp, make and the compiler, which would outlive npm alone.
 */
function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => killGroup(child.pid!), options.timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      killGroup(child.pid!);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')} ended with ${code ?? signal}:\n${stdout}\n${stderr}`));
    });
  });
}

/** Kills a process group, if any of it is left. */
function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Whether a process with this pid still exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The package as users get it: `npm pack` of the built tree (npm test builds first), installed from the tarball
 * into an empty prefix (dependencies from the registry through the npm cache; better-sqlite3 compiles), then the
 * installed `logship` answers --help and runs `logship standalone` until /readyz answers.
 */
describe('the npm package', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'logship-pack-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('packs the built output only, installs into an empty prefix and runs standalone from there', async () => {
    // --ignore-scripts: `prepare` would build again; the tree is already built.
    const packed = JSON.parse(
      await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
        cwd: ROOT,
        timeoutMs: 120_000,
      }),
    ) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]!.files.map((f) => f.path);
    for (const needed of [
      'bin/logship.js',
      'dist/cli/main.js',
      'dist/collector/store/embedded/writer-worker.js',
      'ui/dist/index.html',
      'docs/openapi.json',
      'README.md',
    ])
      expect([needed, files.includes(needed)]).toEqual([needed, true]);
    // Nothing that only development needs: no tests, benchmarks, TypeScript sources or source maps.
    const unwanted = files.filter(
      (f) =>
        /^(test|bench|scripts|dist\/test|dist\/bench|dist\/scripts)\//.test(f) ||
        (/\.(ts|map)$/.test(f) && !f.endsWith('.d.ts')),
    );
    expect(unwanted).toEqual([]);

    const prefix = join(dir, 'prefix');
    await run(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        // npm 11 runs dependencies' install scripts only when allowed; better-sqlite3 compiles its native module.
        '--allow-scripts=better-sqlite3',
        join(dir, packed[0]!.filename),
      ],
      // Compiling from source at once: prebuild-install would first try a download that cannot succeed here.
      { cwd: dir, env: { ...process.env, npm_config_build_from_source: 'true' }, timeoutMs: 900_000 },
    );
    const logship = join(prefix, 'bin', 'logship');
    expect(await run(logship, ['--help'], { timeoutMs: 60_000 })).toContain('Usage: logship');
    expect(readdirSync(join(prefix, 'lib', 'node_modules'))).toEqual(['logship']);

    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LOGSHIP_DATA_DIR: join(dir, 'data'),
      LOGSHIP_LISTEN: `127.0.0.1:${port}`,
    };
    delete env.LOGSHIP_ES_URL;
    // Its own process group, so the whole tree can be stopped whatever it started.
    const child = spawn(logship, ['standalone'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    let ended = '';
    const exited = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => resolve(`exit code ${code}, signal ${signal}`)),
    );
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitFor(
        `/readyz of the installed standalone (output so far: ${output.slice(-2000)})`,
        async () => {
          if (child.exitCode !== null) throw new Error(`it exited with ${child.exitCode}:\n${output}`);
          return (await fetch(`${url}/readyz`)).status === 200 ? true : undefined;
        },
        60_000,
      );
      // The web UI and the API description come from the package too.
      const page = await fetch(`${url}/`, { headers: { accept: 'text/html' } });
      expect([page.status, (await page.text()).includes('<div id="app">')]).toEqual([200, true]);
      expect((await fetch(`${url}/api/v1/openapi.json`)).status).toBe(200);
      // The banner comes once the shipper runs too, a moment after the collector answers.
      await waitFor(
        'the banner',
        async () => (output.includes(`logship is running: ${url}`) ? true : undefined),
        30_000,
      );
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGINT');
      ended = await exited;
      // Nothing of its process group is left.
      await waitFor(
        'the process group to end',
        async () => {
          try {
            process.kill(-child.pid!, 0);
            return undefined;
          } catch {
            return true;
          }
        },
        10_000,
      );
      expect(alive(child.pid!)).toBe(false);
    }
    // SIGINT stops it cleanly: exit code 0 (the output tells why when it did not).
    expect([ended, ended === 'exit code 0, signal null' ? '' : output.slice(-3000)]).toEqual([
      'exit code 0, signal null',
      '',
    ]);
  }, 1_200_000);
});
