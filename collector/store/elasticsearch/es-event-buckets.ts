import type { estypes } from '@elastic/elasticsearch';
import type { HistogramRequest } from '../read-model.js';
import { NONE_KEY } from '../histogram-stacks.js';
import { eventQuery, type EsReadContext, searchEvents } from './es-read.js';
import { windowIndices } from './index-templates.js';

/**
 * Values asked per bucket when two answers are added up (counts and events): enough that the sum's top MAX_STACKS are
 * the same as one aggregation's, which itself is exact only for up to about 85 values (its shard size).
 */
export const MERGED_STACKS = 1000;

/** Events per bucket start, and per stacked value when the request stacks. */
export type BucketCounts = Map<number, { count: number; by: Map<string, number> }>;

const FILTER_PATH = [
  'took',
  'timed_out',
  '_shards.failed',
  '_shards.failures',
  'aggregations.t.buckets.key',
  'aggregations.t.buckets.doc_count',
  'aggregations.t.buckets.by.buckets.key',
  'aggregations.t.buckets.by.buckets.doc_count',
];

interface Agg {
  buckets: { key: number; doc_count: number; by?: { buckets: { key: string; doc_count: number }[] } }[];
}

/**
 * The events' buckets: of the whole window (`ranges` null), or only of the given ms ranges (inclusive) within it.
 *
 * The request names no window bounds beyond the query's time range (no `extended_bounds`): for a day whose index lies
 * wholly inside the window, Elasticsearch rewrites that range away, so the shard's request is the same one whichever
 * window (now-7d moving with the clock) asked, and its answer comes from the shard request cache. A week's histogram
 * then reads only the partly covered days, not the whole week, every time it is drawn.
 */
export async function eventBuckets(
  ctx: EsReadContext,
  request: HistogramRequest,
  ranges: readonly [number, number][] | null,
  stacks: number,
): Promise<BucketCounts> {
  const { intervalMs, by } = request;
  const aggs: Record<string, estypes.AggregationsAggregationContainer> = {
    t: {
      date_histogram: { field: '@timestamp', fixed_interval: `${intervalMs}ms`, min_doc_count: 1 },
      ...(by ? { aggs: { by: { terms: { field: by, size: stacks, missing: NONE_KEY } } } } : {}),
    },
  };
  const window = eventQuery(request.query, request.from, request.to);
  const within = ranges?.map(([gte, lte]) => ({ range: { '@timestamp': { gte, lte, format: 'epoch_millis' } } }));
  const query = within ? { bool: { filter: [window, { bool: { should: within, minimum_should_match: 1 } }] } } : window;
  const response = await searchEvents(
    ctx,
    {
      size: 0,
      track_total_hits: false,
      query,
      aggs,
      // Only what is read below: ES otherwise adds key_as_string and per-terms error bounds to every bucket, and
      // parsing that is most of the API's cost over the query itself.
      filter_path: FILTER_PATH,
    },
    // Only the days the ranges touch: at a week's two edges, two days rather than eight.
    ranges
      ? {
          index: [...new Set(ranges.map(([a, b]) => windowIndices(ctx.indexPrefix, new Date(a), new Date(b))))].join(
            ',',
          ),
          signal: request.signal,
        }
      : request,
  );
  const found: BucketCounts = new Map();
  for (const b of (response.aggregations?.t as Agg | undefined)?.buckets ?? []) {
    found.set(b.key, { count: b.doc_count, by: new Map((b.by?.buckets ?? []).map((s) => [s.key, s.doc_count])) });
  }
  return found;
}

/** Adds `more` into `into`, bucket by bucket and value by value. */
export function addBuckets(into: BucketCounts, more: BucketCounts): BucketCounts {
  for (const [key, b] of more) {
    const sum = into.get(key);
    if (!sum) {
      into.set(key, b);
      continue;
    }
    sum.count += b.count;
    for (const [value, n] of b.by) sum.by.set(value, (sum.by.get(value) ?? 0) + n);
  }
  return into;
}
