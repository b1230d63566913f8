import { z } from 'zod';
import { hitSchema } from './event.js';
import { choice, wholeNumber, windowFilterShape } from './query-params.js';
import { count, isoTime } from './wire-values.js';

/** The parameters of `GET /api/v1/patterns`; `sample` is bounded by the collector's `patterns.max_sample`. */
export function patternsQuerySchema(maxSample: number) {
  return z.object({
    ...windowFilterShape,
    compare: choice('compare', ['previous', 'none']).default('none'),
    sort: choice('sort', ['count', 'surge']).default('count'),
    limit: wholeNumber('limit', 50, 1, 1000),
    sample: wholeNumber('sample', maxSample, 1, maxSample),
  });
}

/** One kind of message in `GET /api/v1/patterns`: variable parts of its messages shown as `<*>`. */
export const patternSchema = z.object({
  id: z.string().describe('Stable for the same pattern text, so a client can remember a choice across requests.'),
  pattern: z.string().describe('The message with its variable parts as <*>.'),
  count: count.describe('Events of the window with this pattern (estimated from the sample when sampled).'),
  share: z.number().min(0).max(1).describe('count / total of the window.'),
  histogram: z.array(count).describe("Counts per bucket of the window (the answer's buckets)."),
  // The newest sampled event of the pattern (a bare reference: a description would copy the Hit shape here).
  example: hitSchema,
  query: z
    .string()
    .nullable()
    .describe(
      "A query that finds the pattern's events (its constant text as phrases); null when it has no constant words.",
    ),
  previous_count: count
    .optional()
    .describe('compare=previous: the count in the window of the same length just before.'),
  new: z.boolean().optional().describe('compare=previous: none in the window before.'),
  surging: z
    .boolean()
    .optional()
    .describe('compare=previous: at least SURGE_FACTOR (2) times the count before and SURGE_MIN_EXTRA (5) more.'),
  surge: z
    .number()
    .optional()
    .describe('compare=previous: (count + 1) / (previous_count + 1), what sort=surge orders by.'),
});
export type Pattern = z.infer<typeof patternSchema>;

/** The answer of `GET /api/v1/patterns`. */
export const patternsResultSchema = z.object({
  interval: z.string().describe('Width of each histogram bucket, e.g. 10s or 1m (at most 30 buckets).'),
  buckets: z.array(isoTime).describe('Start of each histogram bucket.'),
  total: count.describe('Events matching the query in the window (exact).'),
  sample_size: count.describe('Events read and grouped; when fewer than total, counts are estimates.'),
  sampled: z.boolean().describe('More events matched than the sample holds: counts are estimates.'),
  time_limited: z.boolean().describe('patterns.time_limit cut the work short: some events were not grouped.'),
  previous_total: count.optional().describe('compare=previous: events matching in the window before.'),
  patterns: z
    .array(patternSchema)
    .describe('Patterns in the window (the most frequent first unless sort=surge), at most limit.'),
  more: count.describe('Patterns found beyond limit.'),
  took_ms: count,
});
export type PatternsResult = z.infer<typeof patternsResultSchema>;

/** `surging` needs at least this many times the count before … */
export const SURGE_FACTOR = 2;
/** … and at least this many events more, so 1 → 2 is no surge. */
export const SURGE_MIN_EXTRA = 5;
