/**
 * Where a search's time goes when it counts its total (issue 19, goal 5: free text over the last 24 h grew 2.55×
 * from 1M to 10M events). Against a node that already holds the growth benchmark's data (search-latency.ts with a
 * kept node, e.g. `LOGSHIP_BENCH_GROWTH_KEEP=1 npm run bench:growth`), it times the request the API sends for a
 * query over the last 24 h with `track_total_hits` as the store sends it and with the alternatives, then asks
 * Elasticsearch's profile API where each shard spent its time. Prints figures and writes bench/results/
 * es-total-cost.json; it starts nothing and changes nothing.
 *
 *   npm run build && LOGSHIP_BENCH_ES_URL=http://127.0.0.1:19204 LOGSHIP_BENCH_EVENTS=10000000 \
 *     node dist/bench/es-total-cost.js
 *   LOGSHIP_BENCH_QUERY   the query (default timeout); LOGSHIP_BENCH_RUNS   timed runs per variant (default 40)
 */
import { loadavg } from 'node:os';
import { parseQuery } from '../collector/query/parse-query.js';
import { eventQuery, eventSort } from '../collector/store/elasticsearch/es-read.js';
import { searchPattern, windowIndices } from '../collector/store/elasticsearch/index-templates.js';
import { benchElasticsearch, loadedEvents, searchDirect as search } from './bench-elasticsearch.js';
import { DAY_MS, dataShape } from './growth-shape.js';
import { writeResults } from './results-file.js';

const SIZES = (process.env.LOGSHIP_BENCH_GROWTH_EVENTS ?? '1000000,10000000').split(',').map(Number);
/** The window's length in days, ending at the newest loaded event (default 1: the last 24 h). */
const WINDOW_DAYS = Number(process.env.LOGSHIP_BENCH_WINDOW_DAYS ?? 1);
const SPAN_MS = WINDOW_DAYS * DAY_MS;
const Q = process.env.LOGSHIP_BENCH_QUERY ?? 'timeout';
const RUNS = Number(process.env.LOGSHIP_BENCH_RUNS ?? 40);

interface Variant {
  name: string;
  body: (from: Date, to: Date) => object;
}

const page = (track: number | boolean) => (from: Date, to: Date) => ({
  size: 100,
  track_total_hits: track,
  sort: eventSort('desc'),
  query: eventQuery(parseQuery(Q), from, to),
});

const VARIANTS: Variant[] = [
  { name: 'page, track_total_hits 1,000,000 (before)', body: page(1_000_000) },
  { name: 'page, track_total_hits 10,000 (now)', body: page(10_000) },
  { name: 'page, track_total_hits false', body: page(false) },
  {
    name: 'count only (size 0, no sort, exact)',
    body: (from, to) => ({ size: 0, track_total_hits: true, query: eventQuery(parseQuery(Q), from, to) }),
  },
];

interface ProfileShard {
  id: string;
  searches: {
    query: { type: string; description: string; time_in_nanos: number; children?: unknown[] }[];
    rewrite_time: number;
    collector: { name: string; reason: string; time_in_nanos: number; children?: unknown[] }[];
  }[];
}

interface CollectorTree {
  name: string;
  ms: number;
  children?: CollectorTree[];
}

/** A shard's profile in short: the top query, its children's types and the collector tree, in milliseconds. */
function summary(shard: ProfileShard) {
  const s = shard.searches[0]!;
  const q = s.query[0]!;
  const ms = (ns: number) => +(ns / 1e6).toFixed(2);
  const tree = (c: { name: string; time_in_nanos: number; children?: unknown[] }): CollectorTree => ({
    name: c.name,
    ms: ms(c.time_in_nanos),
    ...(c.children?.length ? { children: (c.children as (typeof c)[]).map(tree) } : {}),
  });
  return {
    shard: shard.id.replace(/^\[[^\]]+\]/, ''),
    query: q.type,
    query_ms: ms(q.time_in_nanos),
    children: (q.children as { type: string; description: string; time_in_nanos: number }[] | undefined)?.map((c) => ({
      type: c.type,
      description: c.description.slice(0, 200),
      ms: ms(c.time_in_nanos),
    })),
    rewrite_ms: ms(s.rewrite_time),
    collectors: s.collector.map(tree),
  };
}

/** Every variant over the last 24 h of one loaded data set: p50/p95 and one profile each. */
async function measure(url: string, events: number) {
  const shape = dataShape({ events, hosts: 30, days: 7 });
  const prefix = `bench-search-${shape.events}e-${shape.hosts.length}h-${shape.days}d`;
  const have = await loadedEvents(url, searchPattern(prefix));
  if (have.count !== events) throw new Error(`${url} holds ${have.count} events of ${prefix}, not ${events}.`);
  const end = have.newest + 1;
  // The variants take turns, so a machine that gets busier or quieter meanwhile weighs on each alike.
  const times: number[][] = VARIANTS.map(() => []);
  const totals: unknown[] = [];
  for (let i = 0; i < RUNS + 5; i++) {
    // Moved by a second each time, as the benchmark's windows move (search-latency.ts).
    const to = new Date(end - i * 1000);
    const from = new Date(to.getTime() - SPAN_MS);
    for (const [k, v] of VARIANTS.entries()) {
      const started = performance.now();
      const answer = await search(url, windowIndices(prefix, from, to), v.body(from, to));
      if (i >= 5) times[k]!.push(performance.now() - started);
      totals[k] = (answer.hits as { total?: unknown }).total;
    }
  }
  const results = [];
  for (const [k, v] of VARIANTS.entries()) {
    const sorted = times[k]!.sort((a, b) => a - b);
    const p = (q: number) => +sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
    // One profile varies as much as one timing: of five, the one whose shards took the median time.
    const profiles = [];
    for (let i = 1; i <= 5; i++) {
      const to = new Date(end - i * 1000);
      const from = new Date(to.getTime() - SPAN_MS);
      const profiled = await search(url, windowIndices(prefix, from, to), { ...v.body(from, to), profile: true });
      profiles.push(((profiled.profile as { shards: ProfileShard[] }).shards ?? []).map(summary));
    }
    const spent = (shards: ReturnType<typeof summary>[]) =>
      shards.reduce((sum, x) => sum + x.query_ms + x.collectors.reduce((c, y) => c + y.ms, 0), 0);
    const shards = profiles.sort((a, b) => spent(a) - spent(b))[2]!;
    const row = {
      variant: v.name,
      p50_ms: p(0.5),
      p95_ms: p(0.95),
      total: totals[k],
      load_average: +loadavg()[0]!.toFixed(2),
      shards,
    };
    results.push(row);
    console.log(
      `${events} events, ${v.name}: p50 ${row.p50_ms} ms, p95 ${row.p95_ms} ms, total ${JSON.stringify(row.total)}, ` +
        `load average ${row.load_average}`,
    );
    console.log(JSON.stringify(shards));
  }
  // Whether days wholly inside a window lose their time range (and so count from the index): the week's search.
  const week = await search(url, windowIndices(prefix, new Date(end - 7 * DAY_MS - 1000), new Date(end - 1000)), {
    ...page(1_000_000)(new Date(end - 7 * DAY_MS - 1000), new Date(end - 1000)),
    profile: true,
  });
  const weekShards = ((week.profile as { shards: ProfileShard[] }).shards ?? []).map(summary);
  console.log(`${events} events, the week's search, track_total_hits 1,000,000: ${JSON.stringify(weekShards)}`);
  return { events, results, week: weekShards };
}

async function main(): Promise<void> {
  const es = await benchElasticsearch('growth', 19204, { fresh: false, keep: true });
  try {
    const sets = [];
    for (const events of SIZES) sets.push(await measure(es.url, events));
    const window = WINDOW_DAYS === 1 ? 'last 24 h' : `last ${WINDOW_DAYS} d`;
    writeResults(WINDOW_DAYS === 1 ? 'es-total-cost' : `es-total-cost-${WINDOW_DAYS}d`, {
      query: Q,
      window,
      runs: RUNS,
      sets,
    });
  } finally {
    await es.stop();
  }
}

await main();
