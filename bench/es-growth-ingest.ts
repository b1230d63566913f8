/**
 * Ingest at 10M on Elasticsearch without loading 10M again (issue 19, goal 5: no more than 20 % slower than at 1M).
 * Against the growth run's kept node (`LOGSHIP_BENCH_GROWTH_KEEP=1 npm run bench:growth`), it sends the same
 * 1,000,000 events (30 hosts, over the same 7 days) through the collector's ingest API twice, taking turns:
 *
 *  - into an empty store (an index prefix of its own, deleted afterwards), and
 *  - on top of the kept 10,000,000-event set, into the same daily indices, as the last million of an 11M store;
 *
 * so each rate is timed from the first request to the refresh that makes the events searchable, on the same
 * machine minutes apart. The empty store goes first and last, so a machine that gets busier or quieter meanwhile
 * shows; the medians of each kind are compared. Afterwards the added events are deleted again and that set's hours counted anew, so the kept set answers
 * the read benchmark as before. Also the bytes on disk per event of every kept set against its raw log lines.
 * Writes bench/results/es-growth-ingest.json.
 *
 *   npm run build && node dist/bench/es-growth-ingest.js   (LOGSHIP_BENCH_ES_URL / _PORT as bench-elasticsearch.ts)
 *   LOGSHIP_BENCH_GROWTH_EVENTS   the kept sets (default 1000000,10000000; the largest gets the events on top)
 *   LOGSHIP_BENCH_ADD             how many events each load sends (default 1000000); 0 only deletes what an
 *                                 interrupted run added on top of the kept set
 *   LOGSHIP_BENCH_ADD_ROUNDS      on-top loads (default 1), each followed by one into an empty store; the second
 *                                 lands on top of 11M, and so on
 */
import { loadavg } from 'node:os';
import { searchPattern } from '../collector/store/elasticsearch/index-templates.js';
import { benchCollector, countHours } from './bench-collector.js';
import { benchElasticsearch, loadedEvents } from './bench-elasticsearch.js';
import { setBytes, setPrefix } from './growth-bytes.js';
import { sendEvents, type EventSet } from './growth-events.js';
import { dataShape } from './growth-shape.js';
import { writeResults } from './results-file.js';

const SIZES = (process.env.LOGSHIP_BENCH_GROWTH_EVENTS ?? '1000000,10000000').split(',').map(Number);
const ADD = Number(process.env.LOGSHIP_BENCH_ADD ?? 1_000_000);
const ROUNDS = Number(process.env.LOGSHIP_BENCH_ADD_ROUNDS ?? 1);
const SHAPE = { hosts: 30, days: 7 };
/** The events added on top of a kept set carry ids of their own, so they can be told apart and deleted again. */
const ADDED_IDS = 'added';

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
  try {
    if (ADD === 0) return;
    const sizes = [];
    for (const events of SIZES) sizes.push(await setBytes(url, dataShape({ events, ...SHAPE })));
    const kept = await loadedEvents(url, searchPattern(base));
    // The same days as the kept set, so the events on top land in its daily indices.
    const set = { shape: dataShape({ events: ADD, ...SHAPE }), end: kept.newest + 1, seed: 11 };
    const loads: Awaited<ReturnType<typeof load>>[] = [];
    // The empty store first and last, the two kinds taking turns between.
    let round = 0;
    for (const onTop of [false, ...Array.from({ length: ROUNDS }, () => [true, false]).flat()]) {
      // Ids of each round's own: a resent id is refused as a conflict and would add nothing.
      if (onTop) loads.push(await load(url, base, { ...set, idPrefix: `${ADDED_IDS}-${++round}` }));
      else {
        await es(url, 'DELETE', `${empty}-*`);
        loads.push(await load(url, empty, { ...set, idPrefix: 'b' }));
        await es(url, 'DELETE', `${empty}-*`);
      }
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
    await restore(url, base, largest);
    await node.stop();
  }
}

/** Deletes the events added on top of the kept set and counts its hours anew, so it holds what it held before. */
async function restore(url: string, prefix: string, events: number): Promise<void> {
  // The distribution has no _delete_by_query: page through the added ids and delete them in bulk.
  let deleted = 0;
  for (;;) {
    const page = (await es(url, 'POST', `${searchPattern(prefix)}/_search`, {
      size: 10_000,
      _source: false,
      track_total_hits: false,
      query: { prefix: { 'event.id': `${ADDED_IDS}-` } },
    })) as { hits: { hits: { _index: string; _id: string }[] } };
    const hits = page.hits.hits;
    if (hits.length === 0) break;
    const body = hits.map((h) => JSON.stringify({ delete: { _index: h._index, _id: h._id } })).join('\n') + '\n';
    const res = await fetch(`${url}/_bulk?refresh=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body,
    });
    const answer = (await res.json()) as { errors: boolean };
    if (!res.ok || answer.errors)
      throw new Error(`deleting the added events failed: ${JSON.stringify(answer).slice(0, 300)}`);
    deleted += hits.length;
  }
  if (deleted > 0) {
    // The kept set held no deleted events before; a million of them would weigh on every later read of it.
    await es(url, 'POST', `${searchPattern(prefix)}/_forcemerge?only_expunge_deletes=true`);
    console.log(`deleted the ${deleted} events added on top of ${prefix} and merged them away`);
  }
  // An hour counted while the added events were in it carries their number, and a recount of fewer events would not
  // replace it (es-counts.ts): the counts go, and are built again from the events.
  await es(url, 'DELETE', `${prefix}-counts-*`);
  await countHours(url, prefix);
  const count = (await loadedEvents(url, searchPattern(prefix))).count;
  if (count !== events) throw new Error(`${prefix} holds ${count} events after the clean-up, not ${events}.`);
}

await main();
