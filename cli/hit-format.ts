import { InvalidArgumentError } from 'commander';
import type { Hit } from '../protocol/event.js';
import { csvRecord, ndjsonLine } from '../protocol/export-format.js';
import { escapeForTerminal, escapeJsonForTerminal } from './escape-text.js';

/** How the CLI prints hits: text lines for people, NDJSON or CSV for programs. */
export const OUTPUTS = ['text', 'ndjson', 'csv'] as const;
export type Output = (typeof OUTPUTS)[number];

/** Parses `--output`. */
export function outputOption(value: string): Output {
  if (!(OUTPUTS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError('must be text, ndjson or csv.');
  }
  return value as Output;
}

/** How a text line may differ from the plain one: another time shown, a mark before it, a note after it. */
export interface TextLine {
  time?: string;
  mark?: string;
  note?: string;
}

/** One hit as printed: a text line or an NDJSON line (control characters escaped either way), or a CSV record. */
export function formatHit(hit: Hit, output: Output, line: TextLine = {}): string {
  // JSON.stringify leaves C1 controls and bidi marks raw; escaped, the line still parses to the same hit.
  if (output === 'ndjson') return escapeJsonForTerminal(ndjsonLine(hit));
  if (output === 'csv') return csvRecord(hit);
  const level = (hit.level ?? '-').toUpperCase().padEnd(5);
  const message = escapeForTerminal(hit.message).replaceAll('\n', '\n    ');
  return `${line.mark ?? ''}${line.time ?? hit.timestamp} ${escapeForTerminal(hit.host ?? '-')} ${level} ${message}${line.note ?? ''}\n`;
}
