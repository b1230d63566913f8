import { CollectorError } from '../collector-error.js';

/**
 * The `next_cursor` of `GET /api/v1/deadletter`: the sort values of the last dead letter of a page (receive time
 * in ms, then a tie-breaker of the store), as base64url JSON. Opaque to clients.
 */
export function encodeDeadLetterCursor(values: readonly (number | string)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** The sort values of a cursor; a cursor that is not one of ours answers 400 BAD_PARAMETER. */
export function decodeDeadLetterCursor(cursor: string): [number, number | string] {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    values = undefined;
  }
  if (
    !Array.isArray(values) ||
    values.length !== 2 ||
    typeof values[0] !== 'number' ||
    !Number.isFinite(values[0]) ||
    (typeof values[1] !== 'number' && typeof values[1] !== 'string')
  ) {
    throw new CollectorError('BAD_PARAMETER', '"cursor" is not a cursor this endpoint handed out.', 400, {
      parameter: 'cursor',
    });
  }
  return [values[0], values[1]];
}

/** Originals of one page add up to at most this many bytes; past it the page ends early with a cursor. */
export const DEAD_LETTER_PAGE_BYTES = 8 * 1024 * 1024;
