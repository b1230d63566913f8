import { forEachNdjsonLine, type DecodedLine } from '../../collector/ingest/decode-ndjson.js';
import type { RejectedLine } from '../../collector/ingest/ingest-codes.js';

/** Every line of an NDJSON body at once, parsed or refused: what the collector hands on one line at a time. */
export function decodedLines(body: Buffer, maxLineBytes: number): { lines: DecodedLine[]; rejected: RejectedLine[] } {
  const lines: DecodedLine[] = [];
  const rejected: RejectedLine[] = [];
  forEachNdjsonLine(body, maxLineBytes, rejected, (line) => lines.push(line));
  return { lines, rejected };
}
