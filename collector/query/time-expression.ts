import { CollectorError } from '../collector-error.js';
import { QueryError } from './query-error.js';

/**
 * The times a request may name: years 0000 to 9999, what ISO-8601 writes with four digits and Elasticsearch reads.
 * Date math past them (`now-99999999999d`) is refused: it left JavaScript's date range and searched a wrong window.
 */
export const QUERY_TIMES = {
  minMs: Date.parse('0000-01-01T00:00:00.000Z'),
  maxMs: Date.parse('9999-12-31T23:59:59.999Z'),
} as const;

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** What a time expression read as: epoch ms, or why it is not a time. */
export type TimeReading = number | 'invalid' | 'out of range';

/**
 * Reads `now`, `now-15m`, `now+1h` (units s, m, h, d, w: the date math Elasticsearch also reads) or an ISO-8601
 * time to epoch ms. The one parser of times in parameters and in queries, so both stores read them alike.
 */
export function readTime(text: string, nowMs: number): TimeReading {
  let ms: number;
  const m = /^now(?:([+-])(\d+)([smhdw]))?$/.exec(text.trim());
  if (m) {
    const delta = m[1] ? Number(m[2]) * UNIT_MS[m[3]!]! : 0;
    ms = m[1] === '-' ? nowMs - delta : nowMs + delta;
  } else if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    // Only ISO-like text: Date.parse alone would accept "1" or "March" and silently search the wrong range.
    ms = Date.parse(text);
    if (Number.isNaN(ms)) return 'invalid';
  } else return 'invalid';
  return ms >= QUERY_TIMES.minMs && ms <= QUERY_TIMES.maxMs ? ms : 'out of range';
}

/** Parses the time parameter `name` (`from`, `to`): 400 BAD_PARAMETER when it is not a time or out of range. */
export function parseTimeExpression(text: string, now: Date, name: string): Date {
  const ms = readTime(text, now.getTime());
  if (typeof ms === 'number') return new Date(ms);
  const shown = text.slice(0, 64);
  const message =
    ms === 'invalid'
      ? `"${name}" must be ISO-8601 or now, now-15m, now-2h, now-7d; got "${shown}".`
      : `"${name}" is out of range: times must lie in the years 0000 to 9999; got "${shown}".`;
  throw new CollectorError('BAD_PARAMETER', message, 400, { parameter: name });
}

/**
 * A time in a query (a range bound or a value of a date field) as epoch ms: a whole number is epoch ms, text is
 * read by readTime(). Both query compilers call this, so `timestamp:[now-15m TO now]` means the same on both stores.
 */
export function queryTimeMs(field: string, value: string | number, nowMs: number): number {
  const ms = typeof value === 'number' || /^-?\d+$/.test(value) ? Number(value) : readTime(value, nowMs);
  if (ms === 'invalid' || Number.isNaN(ms)) {
    throw new QueryError('QUERY_UNSUPPORTED', `"${String(value).slice(0, 64)}" is not a time for ${field}.`);
  }
  if (ms === 'out of range' || !(ms >= QUERY_TIMES.minMs && ms <= QUERY_TIMES.maxMs)) {
    throw new QueryError(
      'QUERY_UNSUPPORTED',
      `"${String(value).slice(0, 64)}" is out of range for ${field}: times must lie in the years 0000 to 9999.`,
    );
  }
  return ms;
}
