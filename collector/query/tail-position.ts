import { CollectorError } from '../collector-error.js';
import type { TailPosition } from '../store/read-model.js';

/** The SSE `id:` of a tailed event: its place in ingest order, so `Last-Event-ID` resumes right after it. */
export function encodeTailPosition(p: TailPosition): string {
  return Buffer.from(JSON.stringify([p.ingestedMs, p.id])).toString('base64url');
}

/** Reads a `Last-Event-ID`, refusing text this API did not make. */
export function decodeTailPosition(text: string): TailPosition {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    v = undefined;
  }
  if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string') {
    return { ingestedMs: v[0] as number, id: v[1] };
  }
  throw new CollectorError('BAD_PARAMETER', 'Last-Event-ID is not one this API sent.', 400, {
    parameter: 'Last-Event-ID',
  });
}

/** Orders positions: by ingest time, then id. */
export function comparePositions(a: TailPosition, b: TailPosition): number {
  if (a.ingestedMs !== b.ingestedMs) return a.ingestedMs - b.ingestedMs;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
