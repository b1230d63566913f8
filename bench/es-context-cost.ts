/**
 * Where the context's time goes (issue 19, goal 5: the context 50/50 over the last 24 h grew 2.5× from 1M to 10M
 * events). Against a node that already holds the growth benchmark's data (`LOGSHIP_BENCH_GROWTH_KEEP=1 npm run
 * bench:growth`), for the anchors search-latency.ts uses (the middle hour of the last 24 h and of the week), it times
 * the first look of each side as the store sent it before (bounded only on the far side) and as it sends it now
 * (bounded on both sides), and the store's whole context read (es-context.ts). The variants take turns; each gets
 * the median of five profiles: how many events the shard's query visited and how long that took. Prints figures and
 * writes bench/results/es-context-cost.json; it starts nothing and changes nothing.
 *
 *   npm run build && LOGSHIP_BENCH_ES_URL=http://127.0.0.1:19204 node dist/bench/es-context-cost.js
 *   LOGSHIP_BENCH_GROWTH_EVENTS   the data sets (default 1000000,10000000); LOGSHIP_BENCH_RUNS   runs (default 40)
 */
import { loadavg } from 'node:os';
import { Client, type estypes } from '@elastic/elasticsearch';
import pino from 'pino';
import { esContext } from '../collector/store/elasticsearch/es-context.js';
import { eventSort, SORT_LENGTH } from '../collector/store/elasticsearch/es-read.js';
import { searchPattern } from '../collector/store/elasticsearch/index-templates.js';
import { benchElasticsearch, loadedEvents, searchDirect as search } from './bench-elasticsearch.js';
import { writeResults } from './results-file.js';

const SIZES = (process.env.LOGSHIP_BENCH_GROWTH_EVENTS ?? '1000000,10000000').split(',').map(Number);
const RUNS = Number(process.env.LOGSHIP_BENCH_RUNS ?? 40);
const SIDE = 50;
const MINUTE = 60_000;
/** search-latency.ts's anchors: the newest event of the window's middle hour, as a share of the week from its end. */
const ANCHORS = [
  { window: 'last 24 h', fromEnd: 1 / 14 },
  { window: 'all 7 d', fromEnd: 1 / 2 },
];

interface Anchor {
  id: string;
  index: string;
  key: estypes.SortResults;
  ms: number;
}

/** A side's first look: within a minute of the anchor on its day, bounded on the far side only or on both. */
function firstLook(anchor: Anchor, order: 'asc' | 'desc', bothSides: boolean): object {
  const iso = (ms: number) => new Date(ms).toISOString();
  const far = iso(order === 'asc' ? anchor.ms + MINUTE : anchor.ms - MINUTE);
  const near = bothSides ? (order === 'asc' ? { gte: iso(anchor.ms) } : { lte: iso(anchor.ms) }) : {};
  return {
    size: SIDE,
    track_total_hits: false,
    sort: eventSort(order),
    search_after: anchor.key,
    query: {
      bool: { filter: [{ range: { '@timestamp': order === 'asc' ? { lte: far, ...near } : { gte: far, ...near } } }] },
    },
  };
}

interface ProfileShard {
  searches: {
    query: { time_in_nanos: number; breakdown: Record<string, number> }[];
    collector: { time_in_nanos: number }[];
  }[];
}

/** Of five profiles of both sides' first looks, the one whose query and collector took the median time. */
async function profile(url: string, anchor: Anchor, bothSides: boolean) {
  const ms = (ns: number) => +(ns / 1e6).toFixed(2);
  const sides = [];
  for (const order of ['desc', 'asc'] as const) {
    const runs = [];
    for (let i = 0; i < 5; i++) {
      const answer = await search(url, anchor.index, { ...firstLook(anchor, order, bothSides), profile: true });
      const s = (answer.profile as { shards: ProfileShard[] }).shards[0]!.searches[0]!;
      runs.push({
        side: order === 'asc' ? 'after' : 'before',
        visited: s.query[0]!.breakdown.next_doc_count! + s.query[0]!.breakdown.advance_count!,
        query_ms: ms(s.query[0]!.time_in_nanos),
        collector_ms: ms(s.collector[0]!.time_in_nanos),
      });
    }
    sides.push(runs.sort((a, b) => a.query_ms + a.collector_ms - b.query_ms - b.collector_ms)[2]!);
  }
  return sides;
}

async function measure(url: string, client: Client, events: number) {
  const prefix = `bench-search-${events}e-30h-7d`;
  const have = await loadedEvents(url, searchPattern(prefix));
  if (have.count !== events) throw new Error(`${url} holds ${have.count} events of ${prefix}, not ${events}.`);
  const ctx = { client, indexPrefix: prefix, searchTimeoutMs: 10_000, logger: pino({ level: 'warn' }) };
  const rows = [];
  for (const a of ANCHORS) {
    const id = `b-${Math.floor(events * (1 - a.fromEnd)) - 1}`;
    const found = await search(url, searchPattern(prefix), {
      size: 1,
      sort: eventSort('asc'),
      query: { ids: { values: [id] } },
    });
    const hit = (found.hits as { hits: { _index: string; sort: estypes.SortResults }[] }).hits[0]!;
    const anchor = { id, index: hit._index, key: hit.sort.slice(0, SORT_LENGTH), ms: hit.sort[0] as number };
    const both = (bothSides: boolean) => async () => {
      const answers = await Promise.all(
        (['desc', 'asc'] as const).map((o) => search(url, anchor.index, firstLook(anchor, o, bothSides))),
      );
      for (const answer of answers)
        if ((answer.hits as { hits: unknown[] }).hits.length !== SIDE) throw new Error(`${id}: a side lacks events.`);
    };
    const variants = [
      { name: 'first looks, bounded on the far side only (before)', run: both(false) },
      { name: 'first looks, bounded on both sides (now)', run: both(true) },
      {
        name: "the store's whole context read (now)",
        run: async () => {
          const answer = await esContext(ctx, { id, before: SIDE, after: SIDE, hosts: [] });
          if (answer?.before.length !== SIDE || answer.after.length !== SIDE) throw new Error(`${id}: short context.`);
        },
      },
    ];
    // The variants take turns, so a machine that gets busier or quieter meanwhile weighs on each alike.
    const times: number[][] = variants.map(() => []);
    for (let i = 0; i < RUNS + 5; i++)
      for (const [k, v] of variants.entries()) {
        const started = performance.now();
        await v.run();
        if (i >= 5) times[k]!.push(performance.now() - started);
      }
    for (const [k, v] of variants.entries()) {
      const sorted = times[k]!.sort((x, y) => x - y);
      const p = (q: number) => +sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
      const row = {
        events,
        window: a.window,
        anchor: id,
        variant: v.name,
        p50_ms: p(0.5),
        p95_ms: p(0.95),
        load_average: +loadavg()[0]!.toFixed(2),
        ...(k < 2 ? { profile: await profile(url, anchor, k === 1) } : {}),
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const es = await benchElasticsearch('growth', 19204, { fresh: false, keep: true });
  const client = new Client({ node: es.url });
  try {
    const rows = [];
    for (const events of SIZES) rows.push(...(await measure(es.url, client, events)));
    writeResults('es-context-cost', { runs: RUNS, side: SIDE, rows });
  } finally {
    await client.close();
    await es.stop();
  }
}

await main();
