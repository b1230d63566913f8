import type { estypes } from '@elastic/elasticsearch';
import { compileElasticsearch } from './compile-elasticsearch.js';
import { countsAnswer, MINUTE_MS, segments, type Segment } from '../count-slots.js';
import type { HistogramRequest } from '../read-model.js';
import { COUNT_UNITS, HOUR_MS, QUIET_MS, sealsOf } from './es-counts.js';
import { addBuckets, type BucketCounts, eventBuckets, MERGED_STACKS } from './es-event-buckets.js';
import { NONE_KEY } from '../histogram-stacks.js';
import { NAMED_DAYS_MAX, windowCountsIndices } from './index-templates.js';
import { searchEvents, type EsReadContext } from './es-read.js';

interface CellAgg {
  t: { buckets: { key: number; n: { value: number }; by?: { buckets: { key: string; n: { value: number } }[] } }[] };
  hours: { buckets: { key: number; lo: { value: number | null }; hi: { value: number | null } }[] };
}

/** Which hours of a window are read from their cells; the others, and partial quarter hours, from the events. */
interface Plan {
  counted: number[];
  cells: Segment[];
  fromEvents: [number, number][];
}

/**
 * A histogram from the per-hour counts (es-counts.ts), or null when they cannot answer it exactly: a query on more
 * than host, service and level, an interval that is not a whole number of quarter hours, nothing counted in the
 * window, or counts changed while they were read.
 *
 * An hour's cells are used only if its seal equals its number of events now. Both are read beside the cells, in one
 * round, on the guess that every hour that ended QUIET_MS ago is counted and current; when the guess was wrong for
 * some hour (not counted yet, late events), a second round reads the plan the seals call for.
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

  const index = windowCountsIndices(ctx.indexPrefix, new Date(firstHour), new Date(lastHour));
  const plan = (counted: (hour: number) => boolean): Plan => {
    const out: Plan = { counted: [], cells: [], fromEvents: [] };
    for (let hour = firstHour; hour <= lastHour; hour += HOUR_MS) {
      const a = Math.max(from, hour);
      const b = Math.min(to, hour + HOUR_MS - 1);
      if (!counted(hour)) {
        out.fromEvents.push([a, b]);
        continue;
      }
      out.counted.push(hour);
      for (const s of segments(a, b, units)) {
        if (s.unit === null) out.fromEvents.push([s.first, s.last]);
        else out.cells.push(s);
      }
    }
    return out;
  };
  const read = (p: Plan) => readPlan(ctx, request, index, p);
  const quiet = Date.now() - QUIET_MS;
  const guess = plan((hour) => hour + HOUR_MS <= quiet);
  const [events, seals, guessed] = await Promise.all([
    hourEvents(ctx, firstHour, lastHour + HOUR_MS - 1, request.signal),
    sealsOf(ctx, index, firstHour, lastHour, request.signal),
    guess.cells.length ? read(guess) : null,
  ]);
  const current = (hour: number) => (seals.get(hour) ?? 0) === (events.get(hour) ?? 0);
  // Nothing counted in the window: the one plain aggregation is the same work, and keeps its cache key.
  if (![...events.keys()].some((hour) => hour >= firstHour && current(hour))) return null;
  // The guess read only current hours from cells: the rest came from the events, which are always right.
  const answer = guessed && guess.counted.every(current) ? guessed : await read(plan(current));
  return answer && answer.consistent(seals) ? answer.found : null;
}

/**
 * Reads a plan: the cells and the remaining events side by side. The answer is consistent when every cell read
 * belongs to its hour's seal; otherwise a newer count of that hour was being written meanwhile.
 */
async function readPlan(
  ctx: EsReadContext,
  request: HistogramRequest,
  index: string,
  plan: Plan,
): Promise<{ found: BucketCounts; consistent: (seals: Map<number, number>) => boolean } | null> {
  if (plan.cells.length === 0) return null;
  const [cells, rest] = await Promise.all([
    cellBuckets(ctx, request, index, joined(plan.cells)),
    plan.fromEvents.length ? eventBuckets(ctx, request, joinedRanges(plan.fromEvents), MERGED_STACKS) : new Map(),
  ]);
  return {
    found: addBuckets(cells.found, rest),
    consistent: (seals) => [...cells.sealed].every(([hour, [lo, hi]]) => lo === seals.get(hour) && hi === lo),
  };
}

/** Events per hour from `fromMs` to `toMs`, all of them (a seal counts every event of its hour). */
async function hourEvents(
  ctx: EsReadContext,
  fromMs: number,
  toMs: number,
  signal: AbortSignal | undefined,
): Promise<Map<number, number>> {
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
    { from: new Date(fromMs), to: new Date(toMs), signal },
  );
  const agg = response.aggregations?.h as { buckets: { key: number; doc_count: number }[] } | undefined;
  return new Map((agg?.buckets ?? []).map((b) => [b.key, b.doc_count]));
}

/** The cells' buckets, and the lowest and highest seal the cells of each hour were counted with. */
async function cellBuckets(
  ctx: EsReadContext,
  request: HistogramRequest,
  index: string,
  parts: Segment[],
): Promise<{ found: BucketCounts; sealed: Map<number, [number | null, number | null]> }> {
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
    { index, signal: request.signal },
  );
  const aggs = response.aggregations as CellAgg | undefined;
  const sealed = new Map(
    (aggs?.hours.buckets ?? []).map((h) => [h.key, [h.lo.value, h.hi.value] as [number | null, number | null]]),
  );
  const found: BucketCounts = new Map();
  for (const b of aggs?.t.buckets ?? []) {
    found.set(b.key, {
      count: b.n.value,
      by: new Map((b.by?.buckets ?? []).map((s) => [s.key, s.n.value])),
    });
  }
  return { found, sealed };
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
