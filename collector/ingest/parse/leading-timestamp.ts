// ISO-8601 and its common log variants at the start of a line, optionally bracketed:
// "2026-11-26T10:00:00.123Z", "2026-11-26 10:00:00,123", "[2026-11-26 10:00:00 +0100]".
const LEADING_TIMESTAMP =
  /^\[?(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s?(Z|[+-]\d{2}:?\d{2})?/;

/**
 * The time at the start of a line, as an ISO string in UTC; undefined when the line does not start with one.
 * A time without a zone is read as UTC here (the shipper's zone is applied by the format parsers).
 */
export function leadingTimestamp(line: string): string | undefined {
  const m = LEADING_TIMESTAMP.exec(line);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = frac ? frac.padEnd(3, '0').slice(0, 3) : '000';
  let offset = 'Z';
  if (zone && zone !== 'Z') offset = zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${offset}`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
