import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';

/**
 * Everything in a data directory (tokens, the event store, sessions, the shipper's registry, logs) is for the
 * service's own user only: folders 0700, files 0600. Logs are attacker-influenced and secret-adjacent; a store file
 * of 0644 in 0755 folders once let every local user read every host's logs.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * mkdir -p where every folder it creates is owner-only. A folder that exists already keeps its mode: it may be one
 * the operator shares with others (`/tmp`, `/var/lib`), and tightening it once switched /tmp to 0700 under every
 * other program on the machine. `openToOthers` tells the caller when such a folder should be reported.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Whether users other than the owner may enter or read a folder (its group or other permission bits are set). */
export function openToOthers(dir: string): boolean {
  return (statSync(dir).mode & 0o077) !== 0;
}

/** Creates `path` empty with 0600 when it is missing, or tightens it to 0600 (a file of ours others could read). */
export function ensurePrivateFile(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  try {
    chmodSync(path, PRIVATE_FILE_MODE);
  } catch (err) {
    // A file owned by someone else (a shared mount) is left as its owner set it.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EACCES') throw err;
  }
}
