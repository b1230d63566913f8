import { isUtf8 } from 'node:buffer';
import type { RejectedLine } from './ingest-codes.js';

/** One line of the body that parsed as a JSON object. */
export interface DecodedLine {
  line: number;
  value: Record<string, unknown>;
  text: string;
}

/**
 * Splits an NDJSON body into JSON objects, rejecting (never dropping) lines that are not UTF-8, not JSON objects
 * or longer than `maxLineBytes`. Blank lines are skipped but still counted, so line numbers match the body.
 */
export function decodeNdjson(body: Buffer, maxLineBytes: number): { lines: DecodedLine[]; rejected: RejectedLine[] } {
  const lines: DecodedLine[] = [];
  const rejected: RejectedLine[] = [];
  let start = 0;
  let lineNo = 0;
  while (start < body.length) {
    let end = body.indexOf(0x0a, start);
    if (end < 0) end = body.length;
    lineNo++;
    let stop = end;
    if (stop > start && body[stop - 1] === 0x0d) stop--;
    const raw = body.subarray(start, stop);
    start = end + 1;
    if (raw.length === 0) continue;
    if (raw.length > maxLineBytes) {
      // Kept whole in the dead-letter store: "nothing lost" includes what we refuse.
      rejected.push({
        line: lineNo,
        code: 'INGEST_EVENT_TOO_LARGE',
        reason: `The line is ${raw.length} bytes; the limit is ${maxLineBytes}.`,
        original: isUtf8(raw) ? raw.toString('utf8') : Buffer.from(raw),
      });
      continue;
    }
    if (!isUtf8(raw)) {
      rejected.push({
        line: lineNo,
        code: 'INGEST_INVALID_UTF8',
        reason: 'The line is not valid UTF-8.',
        original: Buffer.from(raw),
      });
      continue;
    }
    const text = raw.toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      rejected.push({
        line: lineNo,
        code: 'INGEST_INVALID_JSON',
        reason: `The line is not JSON: ${(err as Error).message}`,
        original: text,
      });
      continue;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      rejected.push({
        line: lineNo,
        code: 'INGEST_INVALID_EVENT',
        reason: 'Each line must be a JSON object.',
        original: text,
      });
      continue;
    }
    lines.push({ line: lineNo, value: value as Record<string, unknown>, text });
  }
  return { lines, rejected };
}
