import { CollectorError } from '../collector-error.js';
import type { TailPosition } from '../store/read-model.js';

/**
 * What a client that reconnects has: everything up to the stream's high-water position, and `sent` events of the
 * span from `fromMs` to it (the overlap the stream re-checks for late events), so a collector that never saw the
 * stream can tell whether the client has every event of that span. `span` is null for ids without it.
 */
export interface ResumePoint extends TailPosition {
  span: { fromMs: number; sent: number } | null;
}

/** The SSE `id:` of a tailed event: its place in ingest order, so `Last-Event-ID` resumes right after it. */
export function encodeTailPosition(p: TailPosition, span: { fromMs: number; sent: number }): string {
  return Buffer.from(JSON.stringify([p.ingestedMs, p.id, span.sent, span.fromMs])).toString('base64url');
}

/** Reads a `Last-Event-ID`, refusing text this API did not make. */
export function decodeTailPosition(text: string): ResumePoint {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    v = undefined;
  }
  if (Array.isArray(v) && Number.isSafeInteger(v[0]) && typeof v[1] === 'string') {
    const [ms, id, sent, fromMs] = v as [number, string, unknown, unknown];
    if (v.length === 2) return { ingestedMs: ms, id, span: null };
    if (
      v.length === 4 &&
      Number.isSafeInteger(sent) &&
      (sent as number) >= 0 &&
      Number.isSafeInteger(fromMs) &&
      (fromMs as number) <= ms
    ) {
      return { ingestedMs: ms, id, span: { fromMs: fromMs as number, sent: sent as number } };
    }
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
