/** The processes of a local Elasticsearch: its pid file, the launcher JVM above the server, signals and waits. */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** The pid in `pidFile` if that process still runs and is Elasticsearch (pids get reused after a crash). */
export function livePid(pidFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('org.elasticsearch') ? pid : undefined;
  } catch {
    return pid; // No /proc: trust the pid file.
  }
}

/** The Elasticsearch launcher JVM that started server `pid`, if it is still its parent (Linux /proc only). */
export function launcherOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces: state, ppid, …
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const cmdline = readFileSync(`/proc/${ppid}/cmdline`, 'utf8');
    return cmdline.includes('org.elasticsearch.launcher') ? ppid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

export async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(200);
  }
  return true;
}

/** Ends a server we started that never became ready: the launcher and the server JVM share its process group. */
export async function killGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return;
  // The whole group, not just the launcher: the server JVM may outlive it by seconds and keep the port and data lock.
  const group = -child.pid;
  signal(group, 'SIGTERM');
  if (!(await waitGone(group, 10_000))) {
    signal(group, 'SIGKILL');
    await waitGone(group, 5_000);
  }
}
