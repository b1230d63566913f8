import { CollectorError } from '../collector-error.js';
import type { SortKey } from '../store/log-store.js';

/** What a cursor holds: the sort key of the last hit and, when the store keeps one, the snapshot to read on from. */
export interface CursorState {
  key: SortKey;
  snapshot?: string;
}

/** A cursor is opaque to clients: the sort key of the last hit, the order it belongs to and the snapshot. */
export function encodeCursor(order: 'asc' | 'desc', key: SortKey, snapshot?: string | null): string {
  return Buffer.from(JSON.stringify({ o: order, k: key, ...(snapshot ? { p: snapshot } : {}) })).toString('base64url');
}

/** Decodes a cursor, refusing one that was made for the other order or was tampered with. */
export function decodeCursor(cursor: string, order: 'asc' | 'desc'): CursorState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const c = parsed as { o?: unknown; k?: unknown; p?: unknown } | undefined;
  const valid =
    c &&
    (c.o === 'asc' || c.o === 'desc') &&
    Array.isArray(c.k) &&
    c.k.length <= 8 &&
    c.k.every((v) => v === null || typeof v === 'string' || typeof v === 'number') &&
    (c.p === undefined || (typeof c.p === 'string' && c.p.length <= 4096));
  if (!valid)
    throw new CollectorError('BAD_PARAMETER', 'The cursor is not one this API made.', 400, { parameter: 'cursor' });
  if (c.o !== order) {
    throw new CollectorError('BAD_PARAMETER', `The cursor belongs to order=${String(c.o)}, not ${order}.`, 400, {
      parameter: 'cursor',
    });
  }
  return { key: c.k as SortKey, ...(typeof c.p === 'string' ? { snapshot: c.p } : {}) };
}
