/**
 * The first step of pattern mining: the parts of a message that vary between events of one kind (numbers, ids,
 * IPs, paths, quoted values, hex, UUIDs, times) become the placeholder `<*>`, and the text is split into tokens.
 * Masking before grouping is what lets a grouping with no per-data-set tuning tell "the same line with other values"
 * from "another line" (Zhu et al. 2019 found every parser gains most from it).
 */

/** What a variable part becomes in a pattern. */
export const PLACEHOLDER = '<*>';

// Order matters: the longer, more specific forms come first so that a UUID is not read as five hex numbers.
const VARIABLE_FORMS = [
  // URLs with a scheme.
  String.raw`[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>]+`,
  // UUIDs.
  String.raw`\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b`,
  // MAC addresses.
  String.raw`\b[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}\b`,
  // IPv4 addresses, with an optional port.
  String.raw`(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?![\w.])`,
  // Dates and times: 2024-01-31, 2024-01-31T12:00:00.123Z, 12:00:00,123.
  String.raw`\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b`,
  String.raw`\b\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\b`,
  // Dates with names: "Fri Jun 17 07:07:00 2005", "Jun 17 07:07:00", "17 Jun 2005".
  String.raw`\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:,?\s+\d{4})?(?:\s+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:\s+\d{4})?\b`,
  // IPv6 addresses (full or with ::); after times, so that 12:30:00 stays a time.
  String.raw`(?<![\w:])(?=[0-9a-fA-F:]*\d)(?=(?:[0-9a-fA-F]*:){2})(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}(?![\w:])`,
  // Hex numbers: 0x1f, or long runs of hex digits that hold a digit (hashes, ids).
  String.raw`\b0[xX][0-9a-fA-F]+\b`,
  String.raw`\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b`,
  // Sizes and durations with their unit ("1.16 KB", "250 ms"): one value, however it is written.
  String.raw`(?<![A-Za-z\d])\d+(?:\.\d+)?\s?(?:[KMGT]i?B|bytes|ms|sec|secs|seconds|min|minutes)(?![\w])`,
  // Host names whose first label starts with a digit (24-54-76-216.example.net), unlike class names.
  String.raw`(?<![\w.-])\d[\w-]*(?:\.[\w-]+)*\.[\w-]*[A-Za-z][\w-]*`,
  // Absolute paths.
  String.raw`(?<![\w.])(?:/[\w.@%+~-]+){2,}/?`,
  // Versions and other dotted numbers: 8.5.0, 1.2.3.4567.
  String.raw`(?<![A-Za-z\d.])\d+(?:\.\d+){2,}`,
  // Numbers not glued to a letter before them (so "ssh2" and "log4j" stay words).
  String.raw`(?<![A-Za-z\d])[-+]?\d+(?:\.\d+)?`,
];

const VARIABLES = new RegExp(VARIABLE_FORMS.join('|'), 'g');

/** The message's tokens with variable parts masked, split on whitespace. */
export function maskVariables(message: string): string[] {
  const masked = message.replace(VARIABLES, PLACEHOLDER);
  return masked.split(/\s+/).filter((t) => t !== '');
}
