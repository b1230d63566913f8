import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';

/**
 * Everything in a data directory (tokens, the event store, sessions, the shipper's registry, logs) is for the
 * service's own user only: folders 0700, files 0600. Logs are attacker-influenced and secret-adjacent; a store file
 * of 0644 in 0755 folders once let every local user read every host's logs.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** mkdir -p with owner-only permissions; an existing folder is tightened to 0700 when this user owns it. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  tighten(dir, PRIVATE_DIR_MODE);
}

/** Creates `path` empty with 0600 when it is missing, or tightens it to 0600 (a file others could read). */
export function ensurePrivateFile(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  tighten(path, PRIVATE_FILE_MODE);
}

/** chmod when allowed: a folder owned by someone else (a shared mount) is left as its owner set it. */
function tighten(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EACCES') throw err;
  }
}
