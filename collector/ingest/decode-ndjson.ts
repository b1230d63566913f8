import { isAscii, isUtf8 } from 'node:buffer';
import type { RejectedLine } from './ingest-codes.js';

/** A line that parsed as a JSON object. */
export interface ParsedLine {
  line: number;
  value: Record<string, unknown>;
  text: string;
}

/** One line of the body that parsed as a JSON object, and where it is in the body. */
export interface DecodedLine extends ParsedLine {
  /** Where the line starts in the body, in bytes. */
  at: number;
  /** The line's length in the body, in bytes (`text.length` when the line is ASCII). */
  bytes: number;
}

/**
 * Splits an NDJSON body into JSON objects, rejecting (never dropping) lines that are not UTF-8, not JSON objects
 * or longer than `maxLineBytes`. Blank lines are skipped but still counted, so line numbers match the body.
 * `onLine` gets each JSON object as it is parsed, `rejected` the refused lines, so a caller that keeps nothing of a
 * line holds one line's objects at a time, not the whole body's.
 *
 * Each line becomes a string of its own. One string of the whole body, which every line's text was a slice of, was a
 * megabyte per request in V8's large-object space, kept alive by those slices through the request's decoding: when a
 * young-generation collection ran meanwhile (most requests) it moved to the old generation, to wait there for the
 * next full collection with the other requests' bodies.
 */
export function forEachNdjsonLine(
  body: Buffer,
  maxLineBytes: number,
  rejected: RejectedLine[],
  onLine: (line: DecodedLine) => void,
): void {
  const ascii = isAscii(body);
  // Almost every body is valid UTF-8 as a whole: one check instead of one per line (those were a third of decoding).
  const valid = ascii || isUtf8(body);
  // Latin-1 is the cheapest conversion and, for ASCII, the same characters.
  const encoding = ascii ? 'latin1' : 'utf8';
  let start = 0;
  let lineNo = 0;
  while (start < body.length) {
    let end = body.indexOf(0x0a, start);
    if (end < 0) end = body.length;
    lineNo++;
    const at = start;
    let stop = end;
    if (stop > at && body[stop - 1] === 0x0d) stop--;
    start = end + 1;
    if (stop === at) continue;
    const utf8 = valid || isUtf8(body.subarray(at, stop));
    if (stop - at > maxLineBytes) {
      const original = utf8 ? body.toString(encoding, at, stop) : Buffer.from(body.subarray(at, stop));
      tooLarge(rejected, lineNo, stop - at, maxLineBytes, original);
    } else if (!utf8) {
      rejected.push({
        line: lineNo,
        code: 'INGEST_INVALID_UTF8',
        reason: 'The line is not valid UTF-8.',
        original: Buffer.from(body.subarray(at, stop)),
      });
    } else {
      const text = body.toString(encoding, at, stop);
      const value = parseLine(rejected, lineNo, text);
      if (value) onLine({ line: lineNo, value, text, at, bytes: stop - at });
    }
  }
}

/**
 * The UTF-8 length of `text` when it is over `max` bytes, else 0. A UTF-16 unit is at most 3 UTF-8 bytes, so most
 * texts are short enough to skip counting.
 */
export function utf8BytesOver(text: string, max: number): number {
  if (text.length * 3 <= max) return 0;
  const bytes = Buffer.byteLength(text);
  return bytes > max ? bytes : 0;
}

/** Kept whole in the dead-letter store: "nothing lost" includes what we refuse. */
function tooLarge(rejected: RejectedLine[], line: number, bytes: number, max: number, original: string | Buffer): void {
  rejected.push({
    line,
    code: 'INGEST_EVENT_TOO_LARGE',
    reason: `The line is ${bytes} bytes; the limit is ${max}.`,
    original,
  });
}

/** The line's JSON object, or undefined with the line rejected. */
function parseLine(rejected: RejectedLine[], line: number, text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    rejected.push({
      line,
      code: 'INGEST_INVALID_JSON',
      reason: `The line is not JSON: ${(err as Error).message}`,
      original: text,
    });
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    rejected.push({
      line,
      code: 'INGEST_INVALID_EVENT',
      reason: 'Each line must be a JSON object.',
      original: text,
    });
    return undefined;
  }
  return value as Record<string, unknown>;
}
