import { isUtf8 } from 'node:buffer';
import type { RejectedLine } from './ingest-codes.js';

/** One line of the body that parsed as a JSON object. */
export interface DecodedLine {
  line: number;
  value: Record<string, unknown>;
  text: string;
  /** Where the line starts in the body (a byte offset when the body is `ascii`); -1 when not known. */
  at?: number;
}

interface Decoded {
  lines: DecodedLine[];
  rejected: RejectedLine[];
  /** Every byte of the body is ASCII: each line's text is `body[at, at + text.length)`. */
  ascii: boolean;
}

/**
 * Splits an NDJSON body into JSON objects, rejecting (never dropping) lines that are not UTF-8, not JSON objects
 * or longer than `maxLineBytes`. Blank lines are skipped but still counted, so line numbers match the body.
 */
export function decodeNdjson(body: Buffer, maxLineBytes: number): Decoded {
  const decoded: Decoded = { lines: [], rejected: [], ascii: false };
  // Almost every body is valid UTF-8 as a whole: one check and one conversion instead of one of each per line
  // (those were a third of decoding). A body that is not is split as bytes, so a bad line keeps its exact bytes.
  if (isUtf8(body)) {
    const text = body.toString('utf8');
    decoded.ascii = text.length === body.length;
    decodeText(text, maxLineBytes, decoded);
  } else decodeBytes(body, maxLineBytes, decoded);
  return decoded;
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

function decodeText(text: string, maxLineBytes: number, out: Decoded): void {
  let start = 0;
  let lineNo = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    let stop = end;
    if (stop > start && text.charCodeAt(stop - 1) === 0x0d) stop--;
    const line = text.slice(start, stop);
    const at = start;
    start = end + 1;
    if (line.length === 0) continue;
    const bytes = utf8BytesOver(line, maxLineBytes);
    if (bytes) tooLarge(out, lineNo, bytes, maxLineBytes, line);
    else parseLine(out, lineNo, line, at);
  }
}

function decodeBytes(body: Buffer, maxLineBytes: number, out: Decoded): void {
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
    const utf8 = isUtf8(raw);
    if (raw.length > maxLineBytes) {
      tooLarge(out, lineNo, raw.length, maxLineBytes, utf8 ? raw.toString('utf8') : Buffer.from(raw));
    } else if (!utf8) {
      out.rejected.push({
        line: lineNo,
        code: 'INGEST_INVALID_UTF8',
        reason: 'The line is not valid UTF-8.',
        original: Buffer.from(raw),
      });
    } else {
      parseLine(out, lineNo, raw.toString('utf8'));
    }
  }
}

/** Kept whole in the dead-letter store: "nothing lost" includes what we refuse. */
function tooLarge(out: Decoded, line: number, bytes: number, max: number, original: string | Buffer): void {
  out.rejected.push({
    line,
    code: 'INGEST_EVENT_TOO_LARGE',
    reason: `The line is ${bytes} bytes; the limit is ${max}.`,
    original,
  });
}

function parseLine(out: Decoded, line: number, text: string, at = -1): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    out.rejected.push({
      line,
      code: 'INGEST_INVALID_JSON',
      reason: `The line is not JSON: ${(err as Error).message}`,
      original: text,
    });
    return;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    out.rejected.push({
      line,
      code: 'INGEST_INVALID_EVENT',
      reason: 'Each line must be a JSON object.',
      original: text,
    });
    return;
  }
  out.lines.push({ line, value: value as Record<string, unknown>, text, at });
}
