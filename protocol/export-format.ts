import { z } from 'zod';
import type { Hit } from './event.js';
import { choice, wholeNumber, windowFilterShape } from './query-params.js';

/**
 * The row formats of `GET /api/v1/export` (and of `logship search --output`): one home, so the collector's
 * download and the CLI's own paging print the same bytes for the same hit.
 */
export const EXPORT_FORMATS = ['ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * The parameters of `GET /api/v1/export`; `limit` is bounded by the collector's `export.max_events` (`max` asks for
 * that many) and defaults to `export.default_events`.
 */
export function exportQuerySchema(limits: { defaultEvents: number; maxEvents: number }) {
  const fallback = Math.min(limits.defaultEvents, limits.maxEvents);
  return z.object({
    format: choice('format', EXPORT_FORMATS).default('ndjson'),
    ...windowFilterShape,
    order: choice('order', ['asc', 'desc']).default('asc'),
    limit: z.preprocess(
      (v) => (v === 'max' ? String(limits.maxEvents) : v),
      wholeNumber('limit', fallback, 1, limits.maxEvents),
    ),
  });
}

/** The CSV columns, in order; `fields` holds the remaining fields as one JSON object. */
export const CSV_COLUMNS = ['timestamp', 'host', 'service', 'level', 'source', 'offset', 'message', 'id', 'fields'];

/** The header line of a CSV export. */
export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

/** One hit as one NDJSON line (the search hit's shape). */
export function ndjsonLine(hit: Hit): string {
  return `${JSON.stringify(hit)}\n`;
}

/** One hit as one CSV record (RFC 4180, CRLF line ends; newlines inside a message stay inside its quoted cell). */
export function csvRecord(hit: Hit): string {
  const fields = Object.keys(hit.fields).length ? JSON.stringify(hit.fields) : '';
  const cells = [hit.timestamp, hit.host, hit.service, hit.level, hit.source, hit.offset, hit.message, hit.id, fields];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/**
 * A cell a spreadsheet shows as text. Log text is attacker-controlled: a cell starting with `=`, `+`, `-`, `@`, a
 * tab or a carriage return would be run as a formula by Excel, LibreOffice and Google Sheets ("CSV injection"),
 * so such a cell gets a leading apostrophe, which those programs read as "this is text" and do not show.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
