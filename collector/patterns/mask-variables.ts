/**
 * The first step of pattern mining: the parts of a message that vary between events of one kind (numbers, ids,
 * IPs, paths, quoted words, hex, UUIDs, times, sizes) become the placeholder `<*>`, and the text is split into tokens. Masking
 * before grouping is what lets a grouping with no per-data-set tuning tell "the same line with other values" from
 * "another line" (Zhu et al. 2019 found every parser gains most from it).
 */

/** What a variable part becomes in a pattern. */
export const PLACEHOLDER = '<*>';

/**
 * Variable forms inside one whitespace-separated token. Order matters: the longer, more specific forms come first so
 * that a UUID is not read as five hex numbers. Every form holds a digit or a slash, so a token without either is
 * left alone without running the regex at all (most words of a message).
 */
const TOKEN_FORMS = [
  // URLs with a scheme.
  String.raw`[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>]+`,
  // UUIDs.
  String.raw`\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b`,
  // MAC addresses.
  String.raw`\b[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}\b`,
  // IPv4 addresses, with an optional port.
  String.raw`(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?![\w.])`,
  // Dates and times: 2024-01-31, 2024-01-31T12:00:00.123Z, 12:00:00,123.
  String.raw`\b\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b`,
  String.raw`\b\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\b`,
  // IPv6 addresses (full or with ::); after times, so that 12:30:00 stays a time.
  String.raw`(?<![\w:])(?=[0-9a-fA-F:]*\d)(?=(?:[0-9a-fA-F]*:){2})(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}(?![\w:])`,
  // Hex numbers: 0x1f, or long runs of hex digits that hold a digit (hashes, ids).
  String.raw`\b0[xX][0-9a-fA-F]+\b`,
  String.raw`\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b`,
  // Sizes and durations glued to their unit: 250ms, 4KB.
  String.raw`(?<![A-Za-z\d])\d+(?:\.\d+)?(?:[KMGT]i?B|ms|sec|secs)(?![\w])`,
  // Host names whose first label starts with a digit (24-54-76-216.example.net), unlike class names.
  String.raw`(?<![\w.-])\d[\w-]*(?:\.[\w-]+)*\.[\w-]*[A-Za-z][\w-]*`,
  // Absolute paths.
  String.raw`(?<![\w.])(?:/[\w.@%+~-]+){2,}/?`,
  // Versions and other dotted numbers: 8.5.0, 1.2.3.4567.
  String.raw`(?<![A-Za-z\d.])\d+(?:\.\d+){2,}`,
  // Numbers not glued to a letter before them (so "ssh2" and "log4j" stay words).
  String.raw`(?<![A-Za-z\d])[-+]?\d+(?:\.\d+)?`,
];

const TOKEN_VARIABLES = new RegExp(TOKEN_FORMS.join('|'), 'g');
/**
 * The forms a token of digits and punctuation only (no letter, colon, slash or dash) can hold: IPv4, versions,
 * numbers. Most variable tokens are such, and this shorter regex masks them several times faster.
 */
const NUMERIC_VARIABLES = new RegExp([TOKEN_FORMS[3], ...TOKEN_FORMS.slice(-2)].join('|'), 'g');

/** Month names: only a message holding one can hold a date written with names, which spans several tokens. */
const MONTH = /(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/;
/** Dates with names: "Fri Jun 17 07:07:00 2005", "Jun 17 07:07:00", "Dec 10, 2004". */
const NAMED_DATE =
  /\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:,?\s+\d{4})?(?:\s+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:\s+\d{4})?\b/g;
/**
 * A double-quoted value of one word ("shop"). Quoted text with spaces keeps its words, masked one by one: masking
 * it whole would make one pattern of `"GET …"` and `"POST …"`. Single quotes are left alone, as apostrophes.
 */
const QUOTED = /(?<![\w"])"[^"\s]{1,200}"(?![\w"])/g;
/** A unit written after a number and a space ("1.16 KB", "1190 bytes", "250 ms"): part of the same value. */
const UNIT = /^(?:[KMGT]i?B|bytes|ms|sec|secs|seconds|min|minutes)(?![\w])/;

/**
 * A token with its variable parts masked. A token without a digit or a slash holds none (no regex runs); one of
 * digits and plain punctuation only goes through the numeric forms alone.
 */
function maskToken(token: string): string {
  let digit = false;
  let other = false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= 48 && c <= 57) digit = true;
    // Letters, ':' '/' '-' and non-ASCII: forms beyond numbers may start here.
    else if (c === 47 || c === 58 || c === 45 || c >= 65) other = true;
  }
  if (!digit) return other && token.includes('/') ? token.replace(TOKEN_VARIABLES, PLACEHOLDER) : token;
  return token.replace(other ? TOKEN_VARIABLES : NUMERIC_VARIABLES, PLACEHOLDER);
}

/** The message's tokens with variable parts masked, split on whitespace. */
export function maskVariables(message: string): string[] {
  let text = MONTH.test(message) ? message.replace(NAMED_DATE, PLACEHOLDER) : message;
  if (text.includes('"')) text = text.replace(QUOTED, `"${PLACEHOLDER}"`);
  const out: string[] = [];
  for (const token of text.split(/\s+/)) {
    if (token === '') continue;
    const previous = out.length > 0 ? out[out.length - 1]! : '';
    const unit = previous.endsWith(PLACEHOLDER) ? UNIT.exec(token) : null;
    if (unit) {
      // "1.16 KB)" → the unit joins the number's placeholder; what follows it stays.
      const rest = token.slice(unit[0].length);
      out[out.length - 1] = previous + maskToken(rest);
      continue;
    }
    out.push(maskToken(token));
  }
  return out;
}
