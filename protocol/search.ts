import { z } from 'zod';
import { hitSchema } from './event.js';
import { choice, once, queryFilterShape, wholeNumber, windowFilterShape } from './query-params.js';
import { count, isoTime, totalSchema } from './wire-values.js';

/** The most hits one search page may ask for. */
export const MAX_SEARCH_LIMIT = 10_000;

/** The parameters of `GET /api/v1/search`. */
export const searchQuerySchema = z.object({
  ...windowFilterShape,
  limit: wholeNumber('limit', 100, 1, MAX_SEARCH_LIMIT),
  order: choice('order', ['asc', 'desc']).default('desc'),
  cursor: once('cursor'),
});
export type SearchQuery = z.infer<typeof searchQuerySchema>;

/** The answer of `GET /api/v1/search`. */
export const searchResultSchema = z.object({
  hits: z.array(hitSchema),
  next_cursor: z.string().nullable(),
  total: totalSchema,
  took_ms: count,
  window: z
    .object({ from: isoTime, to: isoTime })
    .describe(
      'The window searched, from and to resolved to times (now-15m is another minute a moment later); the histogram, ' +
        'facets and next pages ask for it to count the same events.',
    ),
});
export type SearchResult = z.infer<typeof searchResultSchema>;

/** The fields a histogram may stack its counts by. */
export const STACK_BY = ['host', 'level', 'service'] as const;

/** The parameters of `GET /api/v1/histogram`. */
export const histogramQuerySchema = z.object({
  ...windowFilterShape,
  interval: once('interval'),
  by: choice('by', STACK_BY),
});
export type HistogramQuery = z.infer<typeof histogramQuerySchema>;

/** One time bucket; `by` holds the stacked counts when asked for. Empty buckets are included. */
export const histogramBucketSchema = z.object({
  key: isoTime,
  count,
  by: z
    .record(z.string(), count)
    .optional()
    .describe(
      'Counts per host/level/service; (none) for events without one, (other) beyond the 50 largest. They add up to count.',
    ),
});

/** The answer of `GET /api/v1/histogram`. */
export const histogramResultSchema = z.object({
  interval: z.string().regex(/^\d+[smhd]$/),
  buckets: z.array(histogramBucketSchema),
});
export type HistogramResult = z.infer<typeof histogramResultSchema>;

/** A field and its stored type. */
export const fieldInfoSchema = z.object({
  name: z.string(),
  type: z.string().describe('The stored type (keyword, text, long, date…); types joined by | when indices differ.'),
});

/** The answer of `GET /api/v1/fields`. */
export const fieldsResultSchema = z.object({ fields: z.array(fieldInfoSchema) });
export type FieldsResult = z.infer<typeof fieldsResultSchema>;

/** The parameters of `GET /api/v1/fields/{name}/top`. */
export const topValuesQuerySchema = z.object({ ...windowFilterShape, size: wholeNumber('size', 10, 1, 1000) });

/** The answer of `GET /api/v1/fields/{name}/top`. */
export const topValuesResultSchema = z.object({
  field: z.string(),
  values: z.array(z.object({ value: z.union([z.string(), z.number()]), count: z.number().int().min(1) })),
  other: count.describe('Matching events whose value is not listed.'),
  exact: z.boolean().describe('True when every count is exact (always, below 10,000 distinct values per daily index).'),
});
export type TopValuesResult = z.infer<typeof topValuesResultSchema>;

/** The parameters of `GET /api/v1/tail` (the resume position may also come as the `Last-Event-ID` header). */
export const tailQuerySchema = z.object({ ...queryFilterShape, last_event_id: once('last_event_id') });
