/**
 * The embedded store benchmark's log lines (embedded-store.ts, and fts-docids.ts, which indexes their messages
 * alone): plain-text lines with a leading timestamp and level, as an application log, drawn from seven templates by
 * the event's number, so a set is the same every time it is made.
 */
import { DAY_MS } from './growth-shape.js';

/** Events are spread evenly over this many days, ending at the set's `end`. */
export interface LineSet {
  events: number;
  days: number;
  end: number;
}

/** One event in this many has the rare word and one the rare level. */
export const RARE_EVERY = 100_000;

const LEVELS = ['INFO', 'INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
const TEXT = [
  'request finished in {ms} ms for user {user}',
  'connection reset by peer while reading response header from upstream',
  'cache miss for key session:{user}, loading from database',
  'slow query detected: SELECT * FROM orders WHERE id = {ms}',
  'user {user} logged in from 10.0.{a}.{b}',
  'timeout waiting for lock on table orders after {ms} ms',
  'job {ms} finished with status ok',
];

/** Event `i`'s time in milliseconds. */
export function eventMs(set: LineSet, i: number): number {
  return set.end - set.days * DAY_MS + Math.floor((i / set.events) * set.days * DAY_MS);
}

/** Event `i`'s line without its leading time: level, "[logship]" (in every line) and the template's text. */
export function lineBody(i: number): string {
  let text = TEXT[Math.floor(i / LEVELS.length) % TEXT.length]!.replace('{ms}', String((i * 31) % 5000))
    .replace('{user}', `u${(i * 13) % 9973}`)
    .replace('{a}', String(i % 250))
    .replace('{b}', String((i >> 8) % 250));
  // "quarantined" is the rare word; "logship" in every line is the worst case for "newest N matching". The rare
  // level has no index: a search for it walks only the minutes the rollup counts it in.
  if (i % RARE_EVERY === 77) text += ' quarantined';
  const level = i % RARE_EVERY === 33 ? 'FATAL' : LEVELS[i % LEVELS.length];
  return `${level} [logship] ${text}`;
}
