import type { Level } from '../../../protocol/event.js';

/** Level words seen in the wild, mapped to the six normalised levels. */
const LEVEL_NAMES: Record<string, Level> = {
  trace: 'trace',
  finest: 'trace',
  debug: 'debug',
  dbg: 'debug',
  fine: 'debug',
  info: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  log: 'info',
  warn: 'warn',
  warning: 'warn',
  wrn: 'warn',
  error: 'error',
  err: 'error',
  severe: 'error',
  crit: 'fatal',
  critical: 'fatal',
  fatal: 'fatal',
  panic: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
  alert: 'fatal',
};

/** Normalises a level word (any case); undefined when it is not one. */
export function normalizeLevel(word: string): Level | undefined {
  return LEVEL_NAMES[word.toLowerCase()];
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
