import { CollectorError } from '../collector-error.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Intervals `auto` picks from: neighbours differ by at most 2×, so some candidate always gives 60–120 buckets
 * (windows longer than 120 days get daily buckets, windows shorter than a minute 1-second ones).
 */
const AUTO_STEPS = [
  '1s', '2s', '3s', '5s', '10s', '15s', '20s', '30s',
  '1m', '2m', '3m', '5m', '10m', '15m', '20m', '30m',
  '1h', '2h', '3h', '4h', '6h', '12h', '1d',
] as const; // prettier-ignore

/** Explicit intervals may not make more buckets than this (Elasticsearch limits buckets per search). */
export const MAX_BUCKETS = 5000;
const TARGET_MAX = 120;

export interface Interval {
  label: string;
  ms: number;
}

/** `interval` of `/histogram`: `auto` (60–120 buckets over the window) or `1s`…`1d`. */
export function parseInterval(text: string | undefined, spanMs: number): Interval {
  if (text === undefined || text === 'auto') return autoInterval(spanMs, TARGET_MAX);
  const ms = toMs(text);
  if (ms === undefined || ms < 1000 || ms > UNIT_MS.d!) {
    throw new CollectorError('BAD_PARAMETER', '"interval" must be auto or from 1s to 1d (e.g. 30s, 5m, 1h).', 400, {
      parameter: 'interval',
    });
  }
  if (spanMs / ms > MAX_BUCKETS) {
    throw new CollectorError(
      'BAD_PARAMETER',
      `"interval" ${text} makes more than ${MAX_BUCKETS} buckets over this window; use a larger one or auto.`,
      400,
      { parameter: 'interval' },
    );
  }
  return { label: text, ms };
}

/** The shortest round interval that cuts `spanMs` into at most `maxBuckets` buckets (1 day at most). */
export function autoInterval(spanMs: number, maxBuckets: number): Interval {
  for (const label of AUTO_STEPS) {
    const ms = toMs(label)!;
    if (spanMs / ms <= maxBuckets) return { label, ms };
  }
  return { label: '1d', ms: UNIT_MS.d! };
}

/**
 * The start of every bucket of a histogram from `fromMs` to `toMs`, empty ones included: multiples of `intervalMs`
 * since the epoch, as Elasticsearch's fixed_interval makes them, so both stores draw the same buckets.
 */
export function bucketStarts(fromMs: number, toMs: number, intervalMs: number): number[] {
  // Integer remainders rather than division: exact for any millisecond count, before 1970 too.
  const start = (ms: number) => ms - (((ms % intervalMs) + intervalMs) % intervalMs);
  const starts: number[] = [];
  for (let t = start(fromMs), last = start(toMs); t <= last; t += intervalMs) starts.push(t);
  return starts;
}

function toMs(text: string): number | undefined {
  const m = /^(\d+)([smhd])$/.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}
