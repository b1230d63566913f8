import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'logship.js');

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * A `logship …` child process (the compiled CLI, as users run it), its output appended to `logFile`. `prefix` runs
 * it through a program that execs it in place (e.g. `ip netns exec NAME`), so the pid is still logship's own.
 */
export function spawnLogship(
  args: string[],
  env: Record<string, string>,
  logFile: string,
  prefix: readonly string[] = [],
): ChildProcess {
  const [program, ...argv] = [...prefix, process.execPath, CLI, ...args] as [string, ...string[]];
  const child = spawn(program, argv, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  return child;
}

/** What a finished `logship …` command printed, and its exit code. */
export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the compiled `logship …` command to its end, as a user would. `env` adds to this process's environment; a
 * variable set to undefined there is removed (e.g. a LOGSHIP_ES_URL the test run itself was given).
 */
export function runLogship(
  args: string[],
  env: Record<string, string | undefined> = {},
  prefix: readonly string[] = [],
): Promise<CommandRun> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete childEnv[key];
  const [program, ...argv] = [...prefix, process.execPath, CLI, ...args] as [string, ...string[]];
  return new Promise((resolve) => {
    // Exports print tens of megabytes; execFile's default 1 MB buffer would kill the command part-way.
    execFile(program, argv, { env: childEnv, maxBuffer: 1 << 30 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Ends a child with `signal` and waits until it is gone. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  return exited;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs` with `what`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
