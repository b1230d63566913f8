import type { Level } from '../../../protocol/event.js';

/** Level words seen in the wild (lower case), mapped to the six normalised levels. */
const LOWER_CASE_NAMES: Record<string, Level> = {
  trace: 'trace',
  trc: 'trace',
  finest: 'trace',
  finer: 'trace',
  t: 'trace',
  silly: 'trace',
  verbose: 'debug',
  http: 'debug',
  debug: 'debug',
  dbg: 'debug',
  fine: 'debug',
  config: 'debug',
  d: 'debug',
  info: 'info',
  inf: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  note: 'info',
  log: 'info',
  system: 'info',
  i: 'info',
  n: 'info',
  warn: 'warn',
  warning: 'warn',
  wrn: 'warn',
  w: 'warn',
  error: 'error',
  err: 'error',
  eror: 'error',
  severe: 'error',
  e: 'error',
  crit: 'fatal',
  critical: 'fatal',
  fatal: 'fatal',
  dpanic: 'fatal',
  panic: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
  alert: 'fatal',
  f: 'fatal',
  c: 'fatal',
};

/**
 * The level words in lower case and in upper case, as most logs write them ("ERROR"): those are found without
 * lower-casing the word first (a new string, hashed again). A Map, so a word such as "constructor" finds nothing of
 * Object's, and no word is first checked for being an array index as an object's keys are.
 */
const LEVEL_NAMES = new Map<string, Level>(
  Object.entries(LOWER_CASE_NAMES).flatMap(([word, level]) => [
    [word, level],
    [word.toUpperCase(), level],
  ]),
);

/** Normalises a level word (any case); undefined when it is not one. PostgreSQL DEBUG1–5 and Apache trace1–8 too. */
export function normalizeLevel(word: string): Level | undefined {
  const known = LEVEL_NAMES.get(word) ?? LEVEL_NAMES.get(word.toLowerCase());
  if (known) return known;
  const digit = word.charCodeAt(word.length - 1);
  if (digit >= 0x30 && digit <= 0x39 && word.length > 1) return LEVEL_NAMES.get(word.slice(0, -1).toLowerCase());
  return undefined;
}

/** Syslog severities 0–7 (RFC 5424): emerg, alert, crit → fatal; err; warning; notice, info; debug. */
const SEVERITY_LEVELS: readonly Level[] = ['fatal', 'fatal', 'fatal', 'error', 'warn', 'info', 'info', 'debug'];

/** The level of a syslog severity code. */
export function levelOfSeverity(severity: number): Level | undefined {
  return SEVERITY_LEVELS[severity];
}

/** Numeric levels of pino and bunyan (10 trace … 60 fatal). */
export function levelOfNumber(n: number): Level | undefined {
  if (n >= 60) return 'fatal';
  if (n >= 50) return 'error';
  if (n >= 40) return 'warn';
  if (n >= 30) return 'info';
  if (n >= 20) return 'debug';
  if (n >= 10) return 'trace';
  return undefined;
}

// Upper-case words anywhere near the start ("2026-… ERROR db: …"), or bracketed/assigned lower-case ones
// ("[error]", "level=warn"): a bare lower-case "error" inside a sentence is not a level.
const LEVEL_PATTERN =
  /\b(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRIT|CRITICAL|PANIC|EMERG|ALERT|SEVERE)\b|[[<(](trace|debug|info|notice|warn|warning|error|err|fatal|crit|critical)[\]>)]|level=["']?(\w+)/;

/** Finds a level in the first 200 characters of a plain line. */
export function detectLevel(message: string): Level | undefined {
  const m = LEVEL_PATTERN.exec(message.length > 200 ? message.slice(0, 200) : message);
  if (!m) return undefined;
  return normalizeLevel(m[1] ?? m[2] ?? m[3] ?? '');
}
