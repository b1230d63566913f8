import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CodedError } from '../protocol/coded-error.js';

/** The lock file's name inside the data directory; it holds the owner's pid. */
export const LOCK_FILE = 'logship.pid';

/** A held data-directory lock; release() removes the file if it is still ours. */
export interface DataDirLock {
  readonly path: string;
  release(): void;
}

/**
 * Takes the data directory for this process, so a second `logship standalone` on it stops at once with the first
 * one's pid instead of sharing its store, tokens and shipper offsets. The lock is a file created exclusively with
 * our pid; a file left by a process that is gone (a crash, a kill -9) is taken over.
 */
export function lockDataDir(dataDir: string, pid = process.pid): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  // Two tries: the second follows the removal of a stale file; losing that race to another starter is reported.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${pid}\n`, { flag: 'wx', mode: 0o644 });
      return { path, release: () => releaseIfOurs(path, pid) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = ownerOf(path);
    if (owner !== null && owner !== pid && isLogship(owner)) {
      throw new CodedError(
        'DATA_DIR_IN_USE',
        `Another logship (pid ${owner}) is running on the data directory ${dataDir}; stop it, or set LOGSHIP_DATA_DIR to another directory.`,
        500,
        { pid: owner, data_dir: dataDir },
      );
    }
    // Stale: its process is gone, or the file is unreadable or ours from an earlier life of this pid.
    try {
      unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new CodedError('DATA_DIR_IN_USE', `Another logship took the data directory ${dataDir} at the same moment.`);
}

/** The pid written in the lock file, or null when it holds none. */
function ownerOf(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Whether a logship process with this pid runs. After a crash and a reboot the pid may belong to an unrelated
 * process; where /proc tells its command line, only one that names logship counts.
 */
function isLogship(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists, under another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('logship');
  } catch {
    return true;
  }
}

function releaseIfOurs(path: string, pid: number): void {
  if (ownerOf(path) !== pid) return;
  try {
    unlinkSync(path);
  } catch {
    // Already gone: nothing to release.
  }
}
