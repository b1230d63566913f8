import type { estypes } from '@elastic/elasticsearch';
import { compileElasticsearch } from './compile-elasticsearch.js';
import { countsAnswer, MINUTE_MS, segments, type Segment } from '../count-slots.js';
import type { HistogramRequest } from '../read-model.js';
import { COUNT_UNITS, HOUR_MS, sealsOf } from './es-counts.js';
import { addBuckets, type BucketCounts, eventBuckets, MERGED_STACKS } from './es-event-buckets.js';
import { NONE_KEY } from '../histogram-stacks.js';
import { NAMED_DAYS_MAX, windowCountsIndices } from './index-templates.js';
import { searchEvents, type EsReadContext } from './es-read.js';

interface CellAgg {
  t: { buckets: { key: number; n: { value: number }; by?: { buckets: { key: string; n: { value: number } }[] } }[] };
  hours: { buckets: { key: number; lo: { value: number | null }; hi: { value: number | null } }[] };
}

/**
 * A histogram from the per-hour counts (es-counts.ts), or null when they cannot answer it exactly: a query on more
 * than host, service and level, an interval that is not a whole number of quarter hours, or counts changed while
 * they were read. The hours whose seal matches their events now are read from their cells; the other hours and the
 * partial quarter hours at the window's edges from the events. Two rounds: the seals and the hours' events, then the
 * cells and the remaining events side by side.
 */
export async function countsHistogram(ctx: EsReadContext, request: HistogramRequest): Promise<BucketCounts | null> {
  const units = COUNT_UNITS.filter((u) => request.intervalMs % (u * MINUTE_MS) === 0);
  const from = request.from.getTime();
  const to = request.to.getTime();
  const firstHour = Math.floor(from / HOUR_MS) * HOUR_MS;
  const lastHour = Math.floor(to / HOUR_MS) * HOUR_MS;
  if (units.length === 0 || !countsAnswer(request.query) || to < from) return null;
  if (lastHour - firstHour >= NAMED_DAYS_MAX * 24 * HOUR_MS) return null;
  // Not a whole slot in the window: the events alone are the cheaper read.
  const smallest = units.at(-1)! * MINUTE_MS;
  if (Math.floor((to + 1) / smallest) - Math.ceil(from / smallest) < 1) return null;

  const counted = windowCountsIndices(ctx.indexPrefix, new Date(firstHour), new Date(lastHour));
  const [events, seals] = await Promise.all([
    hourEvents(ctx, firstHour, lastHour + HOUR_MS - 1),
    sealsOf(ctx, counted, firstHour, lastHour),
  ]);
  const cells: Segment[] = [];
  const fromEvents: [number, number][] = [];
  for (let hour = firstHour; hour <= lastHour; hour += HOUR_MS) {
    const a = Math.max(from, hour);
    const b = Math.min(to, hour + HOUR_MS - 1);
    const stored = events.get(hour) ?? 0;
    // An hour without events is read from the events too: that costs nothing, and the ranges then join across it
    // (a day wholly inside one range keeps the same request however the window moves, and its shard's cache answers).
    if (stored === 0 || seals.get(hour) !== stored) {
      fromEvents.push([a, b]);
      continue;
    }
    for (const s of segments(a, b, units)) {
      if (s.unit === null) fromEvents.push([s.first, s.last]);
      else cells.push(s);
    }
  }
  const [fromCells, rest] = await Promise.all([
    cells.length ? cellBuckets(ctx, request, counted, joined(cells), seals) : new Map(),
    fromEvents.length ? eventBuckets(ctx, request, joinedRanges(fromEvents), MERGED_STACKS) : new Map(),
  ]);
  return fromCells && addBuckets(fromCells, rest);
}

/** Events per hour from `fromMs` to `toMs`, all of them (a seal counts every event of its hour). */
async function hourEvents(ctx: EsReadContext, fromMs: number, toMs: number): Promise<Map<number, number>> {
  const response = await searchEvents(
    ctx,
    {
      size: 0,
      track_total_hits: false,
      query: { range: { '@timestamp': { gte: fromMs, lte: toMs, format: 'epoch_millis' } } },
      // Without sub-aggregations Elasticsearch counts each hour from the index structure, not event by event.
      aggs: { h: { date_histogram: { field: '@timestamp', fixed_interval: '1h', min_doc_count: 1 } } },
      filter_path: ['timed_out', '_shards.failed', '_shards.failures', 'aggregations.h.buckets'],
    },
    { from: new Date(fromMs), to: new Date(toMs) },
  );
  const agg = response.aggregations?.h as { buckets: { key: number; doc_count: number }[] } | undefined;
  return new Map((agg?.buckets ?? []).map((b) => [b.key, b.doc_count]));
}

/**
 * The cells' buckets, or null when a cell read does not belong to its hour's seal: a newer count of that hour was
 * being written meanwhile, and the caller reads the events instead.
 */
async function cellBuckets(
  ctx: EsReadContext,
  request: HistogramRequest,
  index: string,
  parts: Segment[],
  seals: Map<number, number>,
): Promise<BucketCounts | null> {
  const n = { sum: { field: 'count' } };
  const by = request.by;
  const response = await searchEvents<unknown>(
    ctx,
    {
      size: 0,
      track_total_hits: false,
      query: {
        bool: {
          filter: [
            compileElasticsearch(request.query) as estypes.QueryDslQueryContainer,
            { term: { kind: 'cell' } },
            {
              bool: {
                should: parts.map((p) => ({
                  bool: {
                    filter: [
                      { term: { unit: p.unit } },
                      { range: { t: { gte: p.first * p.unit! * MINUTE_MS, lte: p.last * p.unit! * MINUTE_MS } } },
                    ],
                  },
                })),
                minimum_should_match: 1,
              },
            },
          ],
        },
      },
      aggs: {
        t: {
          date_histogram: { field: 't', fixed_interval: `${request.intervalMs}ms`, min_doc_count: 1 },
          aggs: {
            n,
            ...(by
              ? {
                  by: {
                    terms: { field: by, size: MERGED_STACKS, missing: NONE_KEY, order: { n: 'desc' } },
                    aggs: { n },
                  },
                }
              : {}),
          },
        },
        // Every cell of an hour carries the seal it was counted with.
        hours: {
          date_histogram: { field: 't', fixed_interval: '1h', min_doc_count: 1 },
          aggs: { lo: { min: { field: 'of' } }, hi: { max: { field: 'of' } } },
        },
      },
    },
    { index },
  );
  const aggs = response.aggregations as CellAgg | undefined;
  for (const hour of aggs?.hours.buckets ?? []) {
    const seal = seals.get(hour.key);
    if (hour.lo.value !== seal || hour.hi.value !== seal) return null;
  }
  const found: BucketCounts = new Map();
  for (const b of aggs?.t.buckets ?? []) {
    found.set(b.key, {
      count: b.n.value,
      by: new Map((b.by?.buckets ?? []).map((s) => [s.key, s.n.value])),
    });
  }
  return found;
}

/** Neighbouring parts of one unit as one (fewer clauses in the cells' query). */
function joined(parts: Segment[]): Segment[] {
  const out: Segment[] = [];
  for (const p of parts) {
    const last = out.at(-1);
    if (last && last.unit === p.unit && last.last + 1 === p.first) last.last = p.last;
    else out.push({ ...p });
  }
  return out;
}

/** Touching ranges as one. */
function joinedRanges(ranges: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, b] of ranges) {
    const last = out.at(-1);
    if (last && last[1] + 1 === a) last[1] = b;
    else out.push([a, b]);
  }
  return out;
}
