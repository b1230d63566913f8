/**
 * Elasticsearch's CPU by thread pool (write, refresh, http workers, GC, JIT…), read from `jcmd Thread.print` as the
 * server's own user: /proc cuts thread names to 15 characters, which leaves only "elasticsearch[n". A diagnostic
 * for where Elasticsearch's CPU goes in one run against another (LOGSHIP_BENCH_ES_THREADS=1).
 */
import { execFileSync } from 'node:child_process';
import { readlinkSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The output of `jcmd <pid> <args>` run as the server's own user; undefined when jcmd cannot attach. */
function esJcmd(pid: number, args: string[]): string | undefined {
  try {
    // The jcmd of the JDK the server runs on, beside its java: another JDK's may not attach to it.
    const jcmd = join(dirname(readlinkSync(`/proc/${pid}/exe`)), 'jcmd');
    // Attaching needs the JVM's own user.
    const owner = String(statSync(`/proc/${pid}`).uid);
    const user = execFileSync('id', ['-nu', owner]).toString().trim();
    return execFileSync('runuser', ['-u', user, '--', jcmd, String(pid), ...args], {
      maxBuffer: 64 << 20,
    }).toString();
  } catch {
    return undefined;
  }
}

/**
 * A Java Flight Recorder recording of the server from now until the returned function is called, which writes it
 * to `file` (readable by `jfr print`/`jfr summary`): which methods Elasticsearch spends its CPU in during one run
 * against another (LOGSHIP_BENCH_ES_JFR=DIR). The server's user must be able to write `file`'s folder.
 */
export function esFlightRecording(pid: number, file: string): () => void {
  const name = `bench-${Date.now()}`;
  esJcmd(pid, ['JFR.start', `name=${name}`, 'settings=profile']);
  return () => {
    esJcmd(pid, ['JFR.dump', `name=${name}`, `filename=${file}`]);
    esJcmd(pid, ['JFR.stop', `name=${name}`]);
  };
}

/** CPU seconds per thread group of a running JVM; undefined when jcmd cannot attach. */
export function esThreadCpu(pid: number): Map<string, number> | undefined {
  const text = esJcmd(pid, ['Thread.print']);
  if (text === undefined) return undefined;
  const groups = new Map<string, number>();
  for (const match of text.matchAll(/^"([^"]+)".*? cpu=([\d.]+)ms/gm)) {
    // elasticsearch[node][write][T#2] → write; "GC Thread#1" → GC Thread; "C2 CompilerThread0" → C2 CompilerThread
    const name = match[1]!;
    const pool = /^elasticsearch\[[^\]]*\]\[([^\]]+)\]/.exec(name)?.[1] ?? name.replace(/#?\d+$/, '');
    groups.set(pool, (groups.get(pool) ?? 0) + Number(match[2]) / 1000);
  }
  return groups;
}

/** The CPU seconds per group between two snapshots, largest first, groups under 0.2 s left out. */
export function threadCpuDelta(
  before: Map<string, number> | undefined,
  after: Map<string, number> | undefined,
): Record<string, number> | undefined {
  if (!before || !after) return undefined;
  const rows = [...after].map(([name, s]) => [name, Number((s - (before.get(name) ?? 0)).toFixed(1))] as const);
  return Object.fromEntries(rows.filter(([, s]) => s >= 0.2).sort((a, b) => b[1] - a[1]));
}
