/**
 * The benchmarks' view of the processes they measure: CPU seconds and memory from /proc, and a child process whose
 * stderr is kept for error messages. Shared by every benchmark that runs logship (or a peer) as a real process.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

export const CLOCK_TICK_S = 1 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

export interface Usage {
  cpuSeconds: number;
  /** The peak resident set (VmHWM). */
  peakRssMb: number;
  /** The resident set now (VmRSS). */
  rssMb: number;
  /**
   * The anonymous part of the resident set now (RssAnon): the process's own memory, without file pages it maps
   * (the embedded store maps its database file, and those pages come and go with the kernel's page cache).
   */
  anonRssMb: number;
}

/** utime + stime and the peak RSS (VmHWM) of a process, from /proc; undefined once it is gone. */
export function usage(pid: number): Usage | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces; fields 14 and 15 (utime, stime) follow it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
    return { cpuSeconds: ticks * CLOCK_TICK_S, peakRssMb: kb('VmHWM'), rssMb: kb('VmRSS'), anonRssMb: kb('RssAnon') };
  } catch {
    return undefined;
  }
}

let interrupted: string | undefined;
/** The signal that asked this benchmark to stop, if one did: long waits give up on it. */
export function interruptedBy(): string | undefined {
  return interrupted;
}
process.once('SIGINT', () => (interrupted = 'SIGINT'));
process.once('SIGTERM', () => (interrupted = 'SIGTERM'));

/** A process under test: its stderr's last lines for error messages, and a way to stop it. */
export class Proc {
  readonly child: ChildProcess;
  private tail = '';
  private partial = '';
  private readonly lineListeners = new Set<(line: string) => void>();
  private exit: string | undefined;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
  ) {
    this.child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.on('error', (err) => (this.exit = `could not be started: ${err.message}`));
    this.child.on('exit', (code, signal) => (this.exit = `exited with ${signal ?? `code ${code}`}`));
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (text: string) => {
      this.tail = (this.tail + text).slice(-4000);
      const lines = (this.partial + text).split('\n');
      this.partial = lines.pop()!;
      for (const line of lines) for (const listener of this.lineListeners) listener(line);
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  usage(): Usage | undefined {
    return this.child.pid === undefined ? undefined : usage(this.child.pid);
  }

  /** Throws when the process is no longer running: a benchmark must not wait for a dead sender. */
  check(): void {
    if (this.exit) throw new Error(`${this.name} ${this.exit}.${this.stderrTail()}`);
  }

  stderrTail(): string {
    return this.tail.trim() ? `\n--- last stderr of ${this.name} ---\n${this.tail.trim().slice(-1500)}` : '';
  }

  /** The first stderr line `match` gives a value for. */
  waitFor<T>(what: string, match: (line: string) => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const done = (fn: () => void) => {
        clearInterval(poll);
        this.lineListeners.delete(listener);
        fn();
      };
      const listener = (line: string) => {
        const value = match(line);
        if (value !== undefined) done(() => resolve(value));
      };
      const deadline = Date.now() + timeoutMs;
      const poll = setInterval(() => {
        try {
          this.check();
          if (interrupted) throw new Error(`interrupted by ${interrupted}`);
          if (Date.now() > deadline) throw new Error(`${this.name}: no ${what} within ${timeoutMs / 1000} s.`);
        } catch (err) {
          done(() => reject(err as Error));
        }
      }, 100);
      this.lineListeners.add(listener);
    });
  }

  /** SIGTERM, up to 15 s for a clean exit, then SIGKILL. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null || this.child.pid === undefined) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

/** The collector's start-up line carries the address it listens on (it binds port 0). */
export function listenUrl(line: string): string | undefined {
  try {
    const entry = JSON.parse(line) as { url?: unknown; msg?: unknown };
    return typeof entry.url === 'string' && String(entry.msg).startsWith('The collector listens')
      ? entry.url
      : undefined;
  } catch {
    return undefined;
  }
}
