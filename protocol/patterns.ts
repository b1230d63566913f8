import type { Hit } from './event.js';

/** One kind of message in `GET /api/v1/patterns`: variable parts of its messages shown as `<*>`. */
export interface Pattern {
  /** Stable for the same pattern text, so a client can remember a choice across requests. */
  id: string;
  pattern: string;
  /** Events of the window that have this pattern (estimated from the sample when `sampled`). */
  count: number;
  /** count / total of the window. */
  share: number;
  /** Counts per bucket of the window (the answer's `buckets`). */
  histogram: number[];
  /** The newest sampled event of the pattern. */
  example: Hit;
  /** A query (query language) that finds the pattern's events; null when the pattern has no constant words. */
  query: string | null;
  /** With `compare=previous`: the count in the window of the same length just before. */
  previous_count?: number;
  /** With `compare=previous`: none in the window before. */
  new?: boolean;
  /** With `compare=previous`: at least SURGE_FACTOR times the count before (and SURGE_MIN_EXTRA events more). */
  surging?: boolean;
  /** With `compare=previous`: (count + 1) / (previous_count + 1), what `sort=surge` orders by. */
  surge?: number;
}

/** The answer of `GET /api/v1/patterns`. */
export interface PatternsResult {
  /** Width of each histogram bucket, e.g. `1m`. */
  interval: string;
  /** Start of each histogram bucket (ISO-8601). */
  buckets: string[];
  /** Events matching the query in the window (exact). */
  total: number;
  /** Events read and grouped; when fewer than total, counts are estimates. */
  sample_size: number;
  sampled: boolean;
  /** The time limit cut the work short: some events were neither read nor grouped. */
  time_limited: boolean;
  /** With `compare=previous`: events matching in the window before. */
  previous_total?: number;
  /** Patterns in the window (the most frequent first unless `sort=surge`), at most `limit`. */
  patterns: Pattern[];
  /** Patterns found beyond `limit`. */
  more: number;
  took_ms: number;
}

/** `surging` needs at least this many times the count before … */
export const SURGE_FACTOR = 2;
/** … and at least this many events more, so 1 → 2 is no surge. */
export const SURGE_MIN_EXTRA = 5;
