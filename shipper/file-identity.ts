import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
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

/** How many bytes before an offset are kept to recognise the content at that offset (truncate-and-regrow, copies). */
export const CHECK_BYTES = 32;

/**
 * The id key of a registry entry written before entries stored their id key (by the first shipper version):
 * kept so that an upgrade does not change the ids of lines that are re-sent.
 */
export function generationKey(id: FileIdentity, generation: number): string {
  const key = identityKey(id);
  return generation === 0 ? key : `${key}:g${generation}`;
}

/**
 * The id key of a new file's content: its fingerprint alone, so a copy of the file (copytruncate) gets the same
 * ids for the same lines even when no state about the original survived a crash. A file found to start like
 * another one but hold different content gets `saltedKey` instead, so the two never share ids.
 */
export function contentKey(id: FileIdentity): string {
  return `c:${id.fingerprint}`;
}

/** The id key of a file whose first bytes collide with a different file's: its device and inode tell them apart. */
export function saltedKey(id: FileIdentity): string {
  return `s:${identityKey(id)}`;
}

/**
 * The id key of the content written after a truncation that kept the first line (same fingerprint): without a
 * new key the collector would drop the new lines as duplicates of the old ones at the same offsets.
 */
export function nextGenerationKey(idKey: string, generation: number): string {
  return `${idKey.replace(/:g\d+$/, '')}:g${generation}`;
}

/** What reading a file at a position needs: an open FileHandle, or a fake in tests. */
export interface ReadableFile {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

/** The up to CHECK_BYTES bytes just before `offset` (fewer near the start; empty at 0). */
export async function bytesBefore(fh: ReadableFile, offset: number): Promise<Buffer> {
  const from = Math.max(0, offset - CHECK_BYTES);
  const buf = Buffer.alloc(offset - from);
  const { bytesRead } = await fh.read(buf, 0, buf.length, from);
  return buf.subarray(0, bytesRead);
}

/** bytesBefore on a raw descriptor, synchronously: used when an acknowledgement commits an offset. */
export function bytesBeforeSync(fd: number, offset: number): Buffer {
  const from = Math.max(0, offset - CHECK_BYTES);
  const buf = Buffer.alloc(offset - from);
  const bytesRead = readSync(fd, buf, 0, buf.length, from);
  return buf.subarray(0, bytesRead);
}
