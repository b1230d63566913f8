import type { HistogramBucket, HistogramRequest } from '../read-model.js';
import { bucketStarts } from '../../query/histogram-interval.js';
import { countsHistogram } from './es-counts-histogram.js';
import { type BucketCounts, eventBuckets } from './es-event-buckets.js';
import type { EsReadContext } from './es-read.js';
import { MAX_STACKS, stacks } from '../histogram-stacks.js';

/**
 * `/histogram` on Elasticsearch: from the per-hour counts where they answer the query exactly (es-counts-histogram.ts),
 * else one date_histogram of the buckets that hold events; the empty buckets are filled in here.
 */
export async function esHistogram(ctx: EsReadContext, request: HistogramRequest): Promise<HistogramBucket[]> {
  const found = (await countsHistogram(ctx, request)) ?? (await eventBuckets(ctx, request, null, MAX_STACKS));
  return fillBuckets(request, found);
}

/** Every bucket of the window, empty ones included, stacked when asked (histogram-stacks.ts). */
function fillBuckets(request: HistogramRequest, found: BucketCounts): HistogramBucket[] {
  return bucketStarts(request.from.getTime(), request.to.getTime(), request.intervalMs).map((key) => {
    const b = found.get(key);
    const count = b?.count ?? 0;
    return {
      key: new Date(key).toISOString(),
      count,
      ...(request.by ? { by: stacks(b?.by ?? new Map(), count) } : {}),
    };
  });
}
