import { createHash } from 'node:crypto';
import { SHIPPER_ID_PREFIX_CHARS } from '../protocol/shipper-ids.js';

/**
 * The id prefix shared by every line of one file generation: a hash of the host and the file's identity key, so
 * two files (or hosts) never share ids while the same file always gets the same ones.
 */
export function eventIdPrefix(host: string, identityKey: string): string {
  return createHash('sha256').update(`${host}\0${identityKey}`).digest('base64url').slice(0, SHIPPER_ID_PREFIX_CHARS);
}

/**
 * The deterministic id of the line starting at `offset` in a file: the collector's idempotency key. The same line
 * gets the same id after a crash or restart, so re-sending un-acknowledged batches never stores a line twice.
 * The per-file prefix is hashed once and the offset appended in base 36: a sha256 per line cost ~13 % of the
 * shipper's CPU. The prefix has a fixed length, so prefix + offset is unambiguous.
 */
export function eventId(host: string, identityKey: string, offset: number): string {
  return eventIdPrefix(host, identityKey) + offset.toString(36);
}

const BASE36 = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz', 'latin1');
const scratchDigits = Buffer.alloc(16);

/** Writes `n` (a non-negative safe integer) in `radix` (10 or 36) at `pos`; returns the position after it. */
export function writeUint(buf: Buffer, pos: number, n: number, radix: number): number {
  if (n >= SMALL) return writeLargeUint(buf, pos, n, radix);
  // Offsets below 2 GiB (nearly all): 32-bit integer division, digits written from the end: half the time of
  // dividing doubles into a scratch buffer.
  let length = 1;
  for (let m = n; m >= radix; m = (m / radix) | 0) length++;
  const end = pos + length;
  let i = end;
  do {
    const q = (n / radix) | 0;
    buf[--i] = BASE36[n - q * radix]!;
    n = q;
  } while (n > 0);
  return end;
}

/** Above this, `| 0` would overflow. */
const SMALL = 0x80000000;

function writeLargeUint(buf: Buffer, pos: number, n: number, radix: number): number {
  let len = 0;
  while (n > 0) {
    const q = Math.floor(n / radix);
    scratchDigits[len++] = BASE36[n - q * radix]!;
    n = q;
  }
  for (let i = len - 1; i >= 0; i--) buf[pos++] = scratchDigits[i]!;
  return pos;
}
