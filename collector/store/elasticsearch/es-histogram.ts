import type { estypes } from '@elastic/elasticsearch';
import type { HistogramBucket, HistogramRequest } from '../read-model.js';
import { bucketStarts } from '../../query/histogram-interval.js';
import { eventQuery, type EsReadContext, searchEvents } from './es-read.js';

/** Stacks beyond this many values per bucket are summed under OTHER_KEY, so counts always add up. */
const MAX_STACKS = 50;
export const NONE_KEY = '(none)';
export const OTHER_KEY = '(other)';

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
 * `/histogram` on Elasticsearch: one date_histogram of the buckets that hold events, the empty ones filled in here.
 *
 * The request names no window bounds beyond the query's time range (no `extended_bounds`): for a day whose index lies
 * wholly inside the window, Elasticsearch rewrites that range away, so the shard's request is the same one whichever
 * window (now-7d moving with the clock) asked, and its answer comes from the shard request cache. A week's histogram
 * then reads only the partly covered days, not the whole week, every time it is drawn.
 */
export async function esHistogram(ctx: EsReadContext, request: HistogramRequest): Promise<HistogramBucket[]> {
  const { intervalMs, by } = request;
  const aggs: Record<string, estypes.AggregationsAggregationContainer> = {
    t: {
      date_histogram: { field: '@timestamp', fixed_interval: `${intervalMs}ms`, min_doc_count: 1 },
      ...(by ? { aggs: { by: { terms: { field: by, size: MAX_STACKS, missing: NONE_KEY } } } } : {}),
    },
  };
  const response = await searchEvents(
    ctx,
    {
      size: 0,
      track_total_hits: false,
      query: eventQuery(request.query, request.from, request.to),
      aggs,
      // Only what is read below: ES otherwise adds key_as_string and per-terms error bounds to every bucket, and
      // parsing that is most of the API's cost over the query itself.
      filter_path: FILTER_PATH,
    },
    request,
  );
  const found = new Map(((response.aggregations?.t as Agg | undefined)?.buckets ?? []).map((b) => [b.key, b]));
  const buckets: HistogramBucket[] = [];
  for (const key of bucketStarts(request.from.getTime(), request.to.getTime(), intervalMs)) {
    const b = found.get(key);
    const bucket: HistogramBucket = { key: new Date(key).toISOString(), count: b?.doc_count ?? 0 };
    if (by) {
      const stacks: Record<string, number> = {};
      let sum = 0;
      for (const s of b?.by?.buckets ?? []) {
        stacks[s.key] = s.doc_count;
        sum += s.doc_count;
      }
      if (b && sum < b.doc_count) stacks[OTHER_KEY] = b.doc_count - sum;
      bucket.by = stacks;
    }
    buckets.push(bucket);
  }
  return buckets;
}
