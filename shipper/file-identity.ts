import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/** How many leading bytes at most go into a fingerprint. */
export const FINGERPRINT_MAX_BYTES = 1024;

/**
 * What makes a file the same file across renames and restarts. dev+ino alone is not enough: inodes are reused
 * after a delete, and a reused inode must not inherit the old file's offset (that would skip or resend lines).
 */
export interface FileIdentity {
  /** Device and inode as decimal strings: 64-bit inodes (xfs, btrfs) do not fit a JS number. */
  dev: string;
  ino: string;
  /** sha256 hex of bytes [0, min(first newline + 1, 1024)). */
  fingerprint: string;
}

/**
 * The fingerprint of a file from its first bytes, or undefined while it is not yet final (no complete first line
 * and fewer than 1024 bytes). Waiting for a final value makes the fingerprint the same whenever it is computed, so
 * a restart recognises the file even if the registry was never written.
 */
export function fingerprintOf(head: Buffer): string | undefined {
  const newline = head.indexOf(0x0a);
  let end: number;
  if (newline >= 0 && newline < FINGERPRINT_MAX_BYTES) end = newline + 1;
  else if (head.length >= FINGERPRINT_MAX_BYTES) end = FINGERPRINT_MAX_BYTES;
  else return undefined;
  return createHash('sha256').update(head.subarray(0, end)).digest('hex');
}

/** Reads the identity of an open file, or undefined while its fingerprint is not final. */
export async function identifyFile(fh: FileHandle): Promise<FileIdentity | undefined> {
  const st = await fh.stat({ bigint: true });
  const head = Buffer.alloc(FINGERPRINT_MAX_BYTES);
  const { bytesRead } = await fh.read(head, 0, FINGERPRINT_MAX_BYTES, 0);
  const fingerprint = fingerprintOf(head.subarray(0, bytesRead));
  return fingerprint === undefined ? undefined : { dev: String(st.dev), ino: String(st.ino), fingerprint };
}

/** The identity as one string, used as the registry key and in event ids. */
export function identityKey(id: FileIdentity): string {
  return `${id.dev}:${id.ino}:${id.fingerprint}`;
}
