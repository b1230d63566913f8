import { CANONICAL_LENGTH, CanonicalTimeReader } from './canonical-time.js';
import { fractionMs, monthNumber, timeWithZone } from './zoned-time.js';

// ISO-8601 and its common log variants at the start of a line, optionally bracketed:
// "2026-11-26T10:00:00.123Z", "2026-11-26 10:00:00,123", "[2026-11-26 10:00:00 +0100]", "2026/11/26 10:00:00", and
// the hour space-padded before 10:00 as MariaDB writes it: "2026-12-05  7:06:06".
const ISO_START =
  /^\[?(\d{4})[-/](\d{2})[-/](\d{2})(?:T| {1,2})(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s?(Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)?/;
// "26/Nov/2026:10:00:00 +0000" (access logs), "[26-Nov-2026 10:00:00 UTC]" (php-fpm, PHP errors).
const DAY_MONTH_YEAR =
  /^\[?(\d{2})[/-]([A-Za-z]{3})[/-](\d{4})[: ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(?: ?(Z|[+-]\d{2}:?\d{2}|UTC|GMT|[A-Z][a-z]+\/[A-Za-z_]+))?/;

// C's ctime()/asctime() shape, which Perl's scalar(localtime) and many scripts prefix their lines with: the day is
// space-padded, "Sat Dec  5 07:06:06 2026" (and "[Thu Nov 26 10:00:00.123 2026]" as Apache writes it).
const C_TIME =
  /^\[?(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Za-z]{3}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? (\d{4})\b/;

/**
 * The time at the start of a line, as an ISO string in UTC; undefined when the line does not start with one.
 * A time without a zone is read in `tz` (the shipper's zone; UTC when absent).
 */
export function leadingTimestamp(line: string, tz?: string): string | undefined {
  const c = line.charCodeAt(line.charCodeAt(0) === 0x5b ? 1 : 0);
  if (c < 0x30 || c > 0x39) return cTime(line, tz);
  if (isCanonical(line)) return line.length === CANONICAL_LENGTH ? line : line.slice(0, CANONICAL_LENGTH);
  return generalLeadingTimestamp(line, tz);
}

const canonical = new CanonicalTimeReader();

/**
 * Whether `text` starts with a time exactly as toISOString() writes it, which is then its own UTC time: every
 * general path below gives back that very text (the zone is `Z`; a day or an hour that does not exist is left to
 * them). Lines written with toISOString() (the bench's, many Node loggers') skipped the regular expression, the date
 * arithmetic and the formatting: a fifth of the collector's normalising and parsing per event. Years before 1000
 * are left to the general path too, since Date.UTC reads 0-99 as 1900-1999.
 */
function isCanonical(text: string): boolean {
  const first = text.charCodeAt(0);
  return first >= 0x31 && first <= 0x39 && !Number.isNaN(canonical.msOfStart(text));
}

/** leadingTimestamp without its shortcut for toISOString()'s form, which must agree with it (tests compare both). */
export function generalLeadingTimestamp(line: string, tz?: string): string | undefined {
  const c = line.charCodeAt(line.charCodeAt(0) === 0x5b ? 1 : 0);
  if (c < 0x30 || c > 0x39) return cTime(line, tz);
  let m = ISO_START.exec(line);
  if (m) {
    return timeWithZone(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!, fractionMs(m[7]), m[8], tz);
  }
  m = DAY_MONTH_YEAR.exec(line);
  if (m) {
    const month = monthNumber(m[2]!);
    if (!month) return undefined;
    return timeWithZone(+m[3]!, month, +m[1]!, +m[4]!, +m[5]!, +m[6]!, fractionMs(m[7]), m[8], tz);
  }
  return undefined;
}

function cTime(line: string, tz?: string): string | undefined {
  const m = C_TIME.exec(line);
  const month = m ? monthNumber(m[1]!) : 0;
  if (!m || !month) return undefined;
  return timeWithZone(+m[7]!, month, +m[2]!, +m[3]!, +m[4]!, +m[5]!, fractionMs(m[6]), undefined, tz);
}

const ISO_FULL =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** A whole ISO-8601 time text (any fraction precision); zone-less times are read in `tz`. */
export function isoTimestamp(text: string, tz?: string): string | undefined {
  if (text.length === CANONICAL_LENGTH && isCanonical(text)) return text;
  return generalIsoTimestamp(text, tz);
}

/** isoTimestamp without its shortcut for toISOString()'s form (see leadingTimestamp). */
export function generalIsoTimestamp(text: string, tz?: string): string | undefined {
  const m = ISO_FULL.exec(text);
  if (!m) {
    // Other shapes JSON loggers write ("Thu, 26 Nov 2026 10:00:00 GMT"): only when they name their zone.
    if (text.length < 8 || text.length > 64 || !/(?:GMT|UTC|Z|[+-]\d{2}:?\d{2})$/.test(text)) return undefined;
    const t = Date.parse(text);
    return Number.isNaN(t) ? undefined : new Date(t).toISOString();
  }
  return timeWithZone(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0), fractionMs(m[7]), m[8], tz);
}
