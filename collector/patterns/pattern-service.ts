import { createHash } from 'node:crypto';
import type { Hit } from '../../protocol/event.js';
import { SURGE_FACTOR, SURGE_MIN_EXTRA, type Pattern, type PatternsResult } from '../../protocol/patterns.js';
import { autoInterval } from '../query/histogram-interval.js';
import type { LogStore, SortKey } from '../store/log-store.js';
import type { EventFilter } from '../store/read-model.js';
import { minePatterns } from './pattern-miner.js';
import { patternQuery } from './pattern-query.js';

/** A pattern's histogram has at most this many buckets: a sparkline, not a chart. */
const SPARK_BUCKETS = 30;
/** Events per store read when a whole window fits in the sample. */
const PAGE = 5000;

/** `GET /api/v1/patterns` as the store-neutral service sees it. */
export interface PatternRequest extends EventFilter {
  /** Events read at most per window; more matching events are sampled per histogram bucket. */
  maxSample: number;
  /** Reading and grouping stop after this long; the answer then says `time_limited`. */
  timeLimitMs: number;
  /** Also count each pattern in the window of the same length just before. */
  compare: boolean;
  sort: 'count' | 'surge';
  limit: number;
}

/** An event read for mining, and how many events of its bucket it stands for. */
interface SampledEvent {
  hit: Hit;
  weight: number;
  bucket: number;
}

interface WindowSample {
  buckets: { key: string; count: number }[];
  total: number;
  events: SampledEvent[];
  sampled: boolean;
}

/**
 * Groups the messages of a query's window into patterns on any store, with bounded work: at most `maxSample`
 * events are read per window, spread over the window's histogram buckets in proportion to their counts (so each
 * bucket's estimate stands on its own share of the sample), and reading and grouping stop at the time limit.
 */
export async function findPatterns(store: LogStore, request: PatternRequest): Promise<PatternsResult> {
  const started = performance.now();
  const deadline = started + request.timeLimitMs;
  const spanMs = request.to.getTime() - request.from.getTime();
  const interval = autoInterval(spanMs, SPARK_BUCKETS);
  const limited = { hit: false };
  const current = await sampleWindow(store, request, request.from, request.to, interval.ms, deadline, limited);
  const previousFrom = new Date(request.from.getTime() - spanMs - 1);
  const previous = request.compare
    ? await sampleWindow(
        store,
        request,
        previousFrom,
        new Date(request.from.getTime() - 1),
        interval.ms,
        deadline,
        limited,
      )
    : null;

  // The window before goes first: Drain's groups grow in reading order, and both windows share one set of patterns.
  const events = [...(previous?.events ?? []), ...current.events];
  const firstCurrent = previous?.events.length ?? 0;
  const mined = minePatterns(
    events.map((e) => e.hit.message),
    deadline,
  );
  if (mined.processed < events.length) limited.hit = true;

  const patterns: Pattern[] = [];
  for (const found of mined.patterns) {
    const histogram = new Array<number>(current.buckets.length).fill(0);
    let weight = 0;
    let previousWeight = 0;
    let example: Hit | undefined;
    for (const index of found.members) {
      const event = events[index]!;
      if (index < firstCurrent) {
        previousWeight += event.weight;
        continue;
      }
      weight += event.weight;
      histogram[event.bucket]! += event.weight;
      if (!example || event.hit.timestamp >= example.timestamp) example = event.hit;
    }
    if (!example) continue; // only in the window before: gone, not shown
    const text = found.tokens.join(' ');
    const count = Math.round(weight);
    const query = patternQuery(
      found.tokens,
      found.representatives.map((i) => events[i]!.hit.message),
    );
    const pattern: Pattern = {
      id: createHash('sha256').update(text).digest('hex').slice(0, 16),
      pattern: text,
      count,
      share: current.total === 0 ? 0 : Math.round((count / current.total) * 10_000) / 10_000,
      histogram: histogram.map((n) => Math.round(n)),
      example,
      query: query === '' ? null : query,
    };
    if (previous) {
      const before = Math.round(previousWeight);
      pattern.previous_count = before;
      pattern.new = before === 0;
      pattern.surging = count >= SURGE_FACTOR * before && count - before >= SURGE_MIN_EXTRA;
      pattern.surge = Math.round(((count + 1) / (before + 1)) * 100) / 100;
    }
    patterns.push(pattern);
  }
  patterns.sort((a, b) =>
    request.sort === 'surge'
      ? (b.surge ?? 0) - (a.surge ?? 0) || b.count - a.count || (a.id < b.id ? -1 : 1)
      : b.count - a.count || (a.id < b.id ? -1 : 1),
  );
  return {
    interval: interval.label,
    buckets: current.buckets.map((b) => b.key),
    total: current.total,
    sample_size: current.events.length,
    sampled: current.sampled,
    time_limited: limited.hit,
    ...(previous ? { previous_total: previous.total } : {}),
    patterns: patterns.slice(0, request.limit),
    more: Math.max(0, patterns.length - request.limit),
    took_ms: Math.round(performance.now() - started),
  };
}

/**
 * Reads a window's events for mining: all of them when they fit in the sample, else the newest of each histogram
 * bucket in proportion to the bucket's count, each standing for `count / read` events of its bucket.
 */
async function sampleWindow(
  store: LogStore,
  request: PatternRequest,
  from: Date,
  to: Date,
  intervalMs: number,
  deadline: number,
  limited: { hit: boolean },
): Promise<WindowSample> {
  const buckets = (await store.histogram({ query: request.query, from, to, intervalMs })).map((b) => ({
    key: b.key,
    count: b.count,
  }));
  const total = buckets.reduce((n, b) => n + b.count, 0);
  const firstMs = buckets.length ? Date.parse(buckets[0]!.key) : from.getTime();
  const bucketOf = (hit: Hit): number =>
    Math.min(buckets.length - 1, Math.max(0, Math.floor((Date.parse(hit.timestamp) - firstMs) / intervalMs)));
  const events: SampledEvent[] = [];

  if (total <= request.maxSample) {
    let after: SortKey | undefined;
    let snapshot: string | undefined;
    for (;;) {
      if (performance.now() > deadline) {
        limited.hit = true;
        break;
      }
      const page = await store.search({
        query: request.query,
        from,
        to,
        limit: PAGE,
        order: 'asc',
        // The histogram already counted the window exactly.
        countTotal: false,
        ...(after ? { after } : {}),
        ...(snapshot ? { snapshot } : {}),
      });
      for (const hit of page.hits) events.push({ hit, weight: 1, bucket: bucketOf(hit) });
      if (!page.lastKey) break;
      after = page.lastKey;
      snapshot = page.snapshot ?? undefined;
    }
    return { buckets, total, events, sampled: false };
  }

  for (const [index, bucket] of buckets.entries()) {
    if (bucket.count === 0) continue;
    if (performance.now() > deadline) {
      limited.hit = true;
      break;
    }
    const quota = Math.max(1, Math.floor((request.maxSample * bucket.count) / total));
    const start = Math.max(from.getTime(), Date.parse(bucket.key));
    const end = Math.min(to.getTime(), Date.parse(bucket.key) + intervalMs - 1);
    const page = await store.search({
      query: request.query,
      from: new Date(start),
      to: new Date(end),
      limit: Math.min(quota, 10_000),
      order: 'desc',
      countTotal: false,
    });
    const weight = page.hits.length ? bucket.count / page.hits.length : 0;
    for (const hit of page.hits.reverse()) events.push({ hit, weight, bucket: index });
  }
  return { buckets, total, events, sampled: true };
}
