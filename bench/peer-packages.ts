/**
 * The peers of the benchmarks (rsyslog, syslog-ng) as Debian packages and configs: they conflict, so a benchmark
 * swaps them under the lock every user of rsyslog on this machine takes, and leaves rsyslog installed. Shared by
 * bench/shipper-vs-peers.ts and bench/end-to-end-vs-peers.ts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { usage } from './measured-process.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** The peers' configs (`@@PLACEHOLDER@@`s to fill), kept in bench/peers/ beside the benchmarks. */
export const PEERS = process.env.BENCH_PEERS_DIR ?? join(ROOT, 'bench', 'peers');
export const PEER_LOCK = '/tmp/logship-peer.lock';
export const SYSLOG_NG_PACKAGES = ['syslog-ng-core', 'syslog-ng-mod-http', 'syslog-ng-scl'];
export const RSYSLOG_PACKAGES = ['rsyslog', 'rsyslog-elasticsearch'];

/** A peer config (from bench/peers/, or `dir`) with its placeholders replaced; a missing placeholder is an error. */
export function peerConfig(file: string, replacements: Record<string, string>, dir = PEERS): string {
  let text = readFileSync(join(dir, file), 'utf8');
  for (const [from, to] of Object.entries(replacements)) {
    // A config that lost a placeholder would run against the wrong input or target and measure nothing useful.
    if (!text.includes(from)) throw new Error(`${file} no longer contains ${from}; update the benchmark.`);
    text = text.replaceAll(from, to);
  }
  return text;
}

/** Pids of every running rsyslogd and syslog-ng, whoever started them. */
function syslogDaemons(): Map<number, string> {
  const found = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === 'rsyslogd' || comm === 'syslog-ng') found.set(Number(entry), comm);
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/**
 * apt-get install; a syslog daemon that appeared while it ran was started by a package's postinst, that is by us:
 * it is stopped, so the bench never leaves a system syslog daemon behind. Daemons that ran before are left alone.
 */
export async function aptInstall(packages: string[]): Promise<void> {
  const before = syslogDaemons();
  console.error(`Installing ${packages.join(' ')}.`);
  execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  for (const [pid, comm] of syslogDaemons()) {
    if (before.has(pid)) continue;
    console.error(`Stopping ${comm} (pid ${pid}), which the installation of ${packages.join(' ')} started.`);
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      continue; // gone already
    }
    for (let i = 0; i < 50 && usage(pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (usage(pid)) process.kill(pid, 'SIGKILL');
  }
}

/** Whether a Debian package is installed. */
export function installed(pkg: string): boolean {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .includes('install ok installed');
  } catch {
    return false;
  }
}

/** Whether nobody holds the peer lock (we hold it through our parent `flock` when run as documented). */
export function lockIsFree(): boolean {
  try {
    execFileSync('flock', ['-n', PEER_LOCK, 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
