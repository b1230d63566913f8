import { spawn } from 'node:child_process';

export interface RunResult {
  code: number | null;
  output: string;
  error?: Error;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the tool's stdin, then closed: how secrets reach a tool without appearing on its command line. */
  input?: string;
}

/** Runs a tool to completion, keeping the end of its output for an error message. */
export function runTool(command: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((done) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer): void => void (output = (output + chunk.toString()).slice(-8000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.stdin.on('error', () => undefined); // A tool that exits without reading its input is judged by its exit code.
    child.stdin.end(opts.input ?? '');
    child.on('error', (error) => done({ code: null, output, error }));
    child.on('close', (code) => done({ code, output }));
  });
}
