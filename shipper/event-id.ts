import { createHash } from 'node:crypto';

/**
 * The deterministic id of the line starting at `offset` in a file: the collector's idempotency key. The same line
 * gets the same id after a crash or restart, so re-sending un-acknowledged batches never stores a line twice.
 * 22 base64url characters keep 132 bits of the sha256, far from any practical collision.
 */
export function eventId(host: string, identityKey: string, offset: number): string {
  return createHash('sha256').update(`${host}\0${identityKey}\0${offset}`).digest('base64url').slice(0, 22);
}

/**
 * eventId for many offsets of one file: the hash of the common prefix is computed once and copied per line,
 * which halves the hashing cost on the hot path. Gives exactly eventId(host, identityKey, offset).
 */
export function eventIdsFor(host: string, identityKey: string): (offset: number) => string {
  const prefix = createHash('sha256').update(`${host}\0${identityKey}\0`);
  return (offset) => prefix.copy().update(String(offset)).digest('base64url').slice(0, 22);
}
