/**
 * Ingest at 10M on Elasticsearch without loading 10M again (issue 19, goal 5: no more than 20 % slower than at 1M).
 * Against the growth run's kept node (`LOGSHIP_BENCH_GROWTH_KEEP=1 npm run bench:growth`), it sends the same
 * 1,000,000 events (30 hosts, over the same 7 days) through the collector's ingest API twice, taking turns:
 *
 *  - into an empty store (an index prefix of its own, deleted afterwards), and
 *  - on top of a copy of the kept 10,000,000-event set, into its daily indices, as the last million of an 11M store;
 *
 * so each rate is timed from the first request to the refresh that makes the events searchable, on the same
 * machine minutes apart. The empty store goes first and last, so a machine that gets busier or quieter meanwhile
 * shows; the medians of each kind are compared. The copy is Elasticsearch's clone of every index of the set (its
 * events and its hour counts), segment for segment through hard links, made anew for each round and deleted after
 * it: the kept set itself is never written, so reads measured on it later stay comparable with earlier ones (adding
 * and deleting a million events in it, then merging the deletions away, left its days with 3-6 segments instead of
 * 4-33, and the week's free-text search at 10M took twice as long after). Also the bytes on disk per event of every
 * kept set against its raw log lines. Writes bench/results/es-growth-ingest.json.
 *
 *   npm run build && node dist/bench/es-growth-ingest.js   (LOGSHIP_BENCH_ES_URL / _PORT as bench-elasticsearch.ts)
 *   LOGSHIP_BENCH_GROWTH_EVENTS   the kept sets (default 1000000,10000000; the largest gets the events on top)
 *   LOGSHIP_BENCH_ADD             how many events each load sends (default 1000000)
 *   LOGSHIP_BENCH_ADD_ROUNDS      on-top loads (default 1), each on a fresh copy and followed by one into an empty
 *                                 store
 */
import { loadavg } from 'node:os';
import { searchPattern } from '../collector/store/elasticsearch/index-templates.js';
import { benchCollector } from './bench-collector.js';
import { benchElasticsearch, loadedEvents } from './bench-elasticsearch.js';
import { setBytes, setPrefix } from './growth-bytes.js';
import { sendEvents, type EventSet } from './growth-events.js';
import { dataShape } from './growth-shape.js';
import { writeResults } from './results-file.js';

const SIZES = (process.env.LOGSHIP_BENCH_GROWTH_EVENTS ?? '1000000,10000000').split(',').map(Number);
const ADD = Number(process.env.LOGSHIP_BENCH_ADD ?? 1_000_000);
const ROUNDS = Number(process.env.LOGSHIP_BENCH_ADD_ROUNDS ?? 1);
const SHAPE = { hosts: 30, days: 7 };

async function es(url: string, method: string, path: string, body?: object): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Sends `set` through a collector storing under `prefix`; events/s up to the refresh that shows them all. */
async function load(url: string, prefix: string, set: EventSet) {
  const collector = await benchCollector(url, prefix);
  try {
    const before = (await loadedEvents(url, searchPattern(prefix))).count;
    const load_average_before = +loadavg()[0]!.toFixed(2);
    const started = performance.now();
    await sendEvents(collector.url, collector.ingestToken, set);
    await es(url, 'POST', `${prefix}-*/_refresh`);
    const seconds = (performance.now() - started) / 1000;
    const after = (await loadedEvents(url, searchPattern(prefix))).count;
    if (after - before !== ADD) throw new Error(`${prefix}: ${after - before} events arrived, not ${ADD}.`);
    const row = {
      load: before > 0 ? `${ADD} on top of ${before}` : `${ADD} into an empty store`,
      events_before: before,
      events_after: after,
      seconds: +seconds.toFixed(1),
      events_per_second: Math.round(ADD / seconds),
      load_average: [load_average_before, +loadavg()[0]!.toFixed(2)],
    };
    console.log(JSON.stringify(row));
    return row;
  } finally {
    await collector.stop();
  }
}

async function main(): Promise<void> {
  const node = await benchElasticsearch('growth', 19204, { fresh: false, keep: true });
  const url = node.url;
  const largest = Math.max(...SIZES);
  const base = setPrefix(dataShape({ events: largest, ...SHAPE }));
  const empty = `bench-add-${ADD}e-${SHAPE.hosts}h-${SHAPE.days}d`;
  const copy = `bench-grown-${largest}e-${SHAPE.hosts}h-${SHAPE.days}d`;
  try {
    const sizes = [];
    for (const events of SIZES) sizes.push(await setBytes(url, dataShape({ events, ...SHAPE })));
    const kept = await loadedEvents(url, searchPattern(base));
    // The same days as the kept set, so the events on top land in its daily indices.
    const set = { shape: dataShape({ events: ADD, ...SHAPE }), end: kept.newest + 1, seed: 11 };
    const loads: Awaited<ReturnType<typeof load>>[] = [];
    // The empty store first and last, the two kinds taking turns between.
    for (const onTop of [false, ...Array.from({ length: ROUNDS }, () => [true, false]).flat()]) {
      const prefix = onTop ? copy : empty;
      await es(url, 'DELETE', `${prefix}-*`);
      if (onTop) await cloneSet(url, base, copy);
      loads.push(await load(url, prefix, { ...set, idPrefix: 'added' }));
      await es(url, 'DELETE', `${prefix}-*`);
    }
    const median = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const mid = sorted.length / 2;
      return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
    };
    const rate = (onTop: boolean) =>
      median(loads.filter((l) => l.events_before > 0 === onTop).map((l) => l.events_per_second));
    const ingest = {
      loads,
      empty_median_events_per_second: rate(false),
      on_top_median_events_per_second: rate(true),
      on_top_vs_empty: +(rate(true) / rate(false)).toFixed(3),
      met: rate(true) >= 0.8 * rate(false),
    };
    writeResults('es-growth-ingest', { add: ADD, shape: SHAPE, bytes: sizes, ingest });
    console.log(JSON.stringify({ bytes: sizes, ingest }, null, 2));
  } finally {
    await es(url, 'DELETE', `${empty}-*,${copy}-*`).catch(() => undefined);
    await node.stop();
  }
}

/**
 * Copies every index of the set under `from` to the same name under `to` (_clone: hard links to the same segments,
 * seconds for gigabytes). A clone needs its source write-blocked for the moment it is made, and inherits the block.
 */
async function cloneSet(url: string, from: string, to: string): Promise<void> {
  const rows = (await es(url, 'GET', `_cat/indices/${from}-*?format=json&h=index`)) as unknown as { index: string }[];
  const unblock = { index: { blocks: { write: null } } };
  for (const { index } of rows) {
    const target = to + index.slice(from.length);
    await es(url, 'PUT', `${index}/_settings`, { index: { blocks: { write: true } } });
    try {
      // No replica: the node is alone, and the kept set has none either.
      await es(url, 'POST', `${index}/_clone/${target}`, { settings: { 'index.number_of_replicas': 0 } });
    } finally {
      await es(url, 'PUT', `${index}/_settings`, unblock);
    }
    await es(url, 'PUT', `${target}/_settings`, unblock);
  }
  await es(url, 'GET', `_cluster/health/${to}-*?wait_for_status=green&timeout=60s`);
}

await main();
