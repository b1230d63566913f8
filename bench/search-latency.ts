/**
 * Search benchmark (issue 6): p50/p95 of typical reads (free text, field filter, histogram, context) on 1,000,000
 * events, through the collector's API and as the same Elasticsearch request sent straight to the server. Goal: API
 * overhead ≤ 20% at p50. Also the ingest rate of the load (issue 19's growth run compares it at 1M and 10M). Every
 * read runs over the whole loaded span and, when that is longer, over the last 24 hours too. Not a test: it prints
 * figures and writes bench/results/search-latency.json.
 *
 *   npm run build && node dist/bench/search-latency.js
 *   LOGSHIP_BENCH_EVENTS, LOGSHIP_BENCH_HOSTS, LOGSHIP_BENCH_DAYS   the data set (growth-shape.ts)
 *   LOGSHIP_BENCH_ES_URL=…   use a running Elasticsearch; LOGSHIP_BENCH_ES_PORT: start ours on that port (19201)
 *   LOGSHIP_BENCH_RESULT=…   the results file's name (default search-latency)
 */
import { loadavg } from 'node:os';
import { autoInterval } from '../collector/query/histogram-interval.js';
import { parseQuery } from '../collector/query/parse-query.js';
import { eventQuery, eventSort } from '../collector/store/elasticsearch/es-read.js';
import { searchPattern, windowIndices } from '../collector/store/elasticsearch/index-templates.js';
import { totalBound } from '../collector/store/total-bound.js';
import { benchCollector, countHours } from './bench-collector.js';
import { benchElasticsearch, loadedEvents } from './bench-elasticsearch.js';
import { setPrefix } from './growth-bytes.js';
import { sendEvents } from './growth-events.js';
import { DAY_MS as DAY, dataShape } from './growth-shape.js';
import { writeResults } from './results-file.js';

const SHAPE = dataShape();
const EVENTS = SHAPE.events;
const HOSTS = SHAPE.hosts;
const SPAN = SHAPE.spanMs;
const RUNS = Number(process.env.LOGSHIP_BENCH_RUNS ?? 60);
/** One prefix per data set, so a kept node holds the 1M and the 10M sets side by side and reuses each. */
const PREFIX = setPrefix(SHAPE);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Ingest {
  seconds: number;
  events_per_second: number;
  load_average: number;
}

/**
 * Loads EVENTS events over the span ending at `end` through the ingest API; the time includes the refresh that makes
 * them searchable.
 */
async function load(url: string, token: string, esUrl: string, end: number): Promise<Ingest> {
  await fetch(`${esUrl}/${PREFIX}-*`, { method: 'DELETE' });
  const started = Date.now();
  await sendEvents(url, token, { shape: SHAPE, end, idPrefix: 'b', seed: 7 });
  await fetch(`${esUrl}/${PREFIX}-*/_refresh`, { method: 'POST' });
  const seconds = (Date.now() - started) / 1000;
  const ingest = {
    seconds: +seconds.toFixed(1),
    events_per_second: Math.round(EVENTS / seconds),
    load_average: +loadavg()[0]!.toFixed(2),
  };
  console.log(
    `loaded ${EVENTS} events (${HOSTS.length} hosts, ${SHAPE.days} days) in ${ingest.seconds} s: ` +
      `${ingest.events_per_second} events/s (load average ${ingest.load_average})`,
  );
  return ingest;
}

/** A read's window: it moves with the clock, as a reader's `now-7d`…`now` does. */
interface Window {
  from: Date;
  to: Date;
}

/**
 * Times both ways alternately, so neither profits from caches the other warmed. Each round's window ends a second
 * before the last one's, as a reader's relative window moves with the clock: repeating the very same request would
 * be answered from Elasticsearch's shard request cache and measure the cache, not the query.
 */
async function time(
  window: Window,
  a: (w: Window) => Promise<Response>,
  b: (w: Window) => Promise<Response>,
): Promise<[number[], number[]]> {
  const samples: [number[], number[]] = [[], []];
  for (let i = 0; i < RUNS + 5; i++) {
    for (const [k, run] of [a, b].entries()) {
      // Half a second apart: the second way would otherwise be answered from the cache the first one just filled.
      const shift = i * 1000 + k * 500;
      const moved = { from: new Date(window.from.getTime() - shift), to: new Date(window.to.getTime() - shift) };
      const t = performance.now();
      const res = await run(moved);
      if (!res.ok) throw new Error(`${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
      if (i >= 5) samples[k]!.push(performance.now() - t);
    }
  }
  return [samples[0].sort((x, y) => x - y), samples[1].sort((x, y) => x - y)];
}

interface Row {
  window: string;
  query: string;
  api_p50_ms: number;
  api_p95_ms: number;
  es_p50_ms: number;
  es_p95_ms: number;
  overhead_p50: number;
  load_average: number;
}

async function main(): Promise<void> {
  const es = await benchElasticsearch('search', 19201, { fresh: false, keep: true });
  const esUrl = es.url;
  const collector = await benchCollector(esUrl, PREFIX);
  const { config, ingestToken, readToken } = collector;
  try {
    const have = await loadedEvents(esUrl, searchPattern(PREFIX));
    let end = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    let ingest: Ingest | undefined;
    if (have.count === EVENTS) end = have.newest + 1;
    else ingest = await load(collector.url, ingestToken, esUrl, end);
    const counts = await countHours(esUrl, PREFIX);
    const results: Row[] = [];
    const windows: [string, number][] = [[`all ${SHAPE.days} d`, SPAN]];
    if (SPAN > DAY) windows.push(['last 24 h', DAY]);
    for (const [label, span] of windows)
      results.push(
        ...(await measure(label, collector.url, readToken, esUrl, end, span, config.search.exact_total_up_to)),
      );
    writeResults(process.env.LOGSHIP_BENCH_RESULT ?? 'search-latency', {
      events: EVENTS,
      hosts: HOSTS.length,
      days: SHAPE.days,
      runs: RUNS,
      ...(ingest ? { ingest } : {}),
      counts,
      results,
    });
  } finally {
    await collector.stop();
    await es.stop();
  }
}

/** Every query kind over the window of `span` ms ending at `end`, through the API and straight to Elasticsearch. */
async function measure(
  label: string,
  collectorUrl: string,
  readToken: string,
  esUrl: string,
  end: number,
  span: number,
  exactTotalUpTo: number,
): Promise<Row[]> {
  const window = { from: new Date(end - span), to: new Date(end) };
  const api =
    (path: string, params: Record<string, string> = {}) =>
    (w: Window) =>
      fetch(
        `${collectorUrl}${path}?${new URLSearchParams({ from: w.from.toISOString(), to: w.to.toISOString(), ...params })}`,
        {
          headers: { authorization: `Bearer ${readToken}` },
        },
      );
  const post = (indices: string, body: object) =>
    fetch(`${esUrl}/${indices}/_search?ignore_unavailable=true&allow_no_indices=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  // The indices the API reads: the window's days for a search or a histogram.
  const direct = (body: (w: Window) => object) => (w: Window) => post(windowIndices(PREFIX, w.from, w.to), body(w));
  const search = (q: string) => (w: Window) => ({
    size: 100,
    // As the API counts: exactly up to exact_total_up_to for host/service/level queries, up to 10,000 for free text.
    track_total_hits: totalBound({ query: parseQuery(q) }, exactTotalUpTo),
    timeout: '10000ms',
    sort: eventSort('desc'),
    query: eventQuery(parseQuery(q), w.from, w.to),
  });
  // The newest event of the window's middle hour: an anchor inside the searched days whatever the span.
  const anchor = `b-${Math.floor(EVENTS * (1 - span / SPAN / 2)) - 1}`;
  const cases = [
    { name: 'free text', api: api('/api/v1/search', { q: 'timeout' }), es: direct(search('timeout')) },
    {
      name: 'field filter',
      api: api('/api/v1/search', { q: 'host:web-1 AND level:error' }),
      es: direct(search('host:web-1 AND level:error')),
    },
    {
      name: 'histogram by host',
      api: api('/api/v1/histogram', { by: 'host' }),
      es: direct((w) => esHistogramBody(w, span)),
    },
    {
      name: 'context 50/50',
      api: () =>
        fetch(`${collectorUrl}/api/v1/events/${anchor}/context`, { headers: { authorization: `Bearer ${readToken}` } }),
      // The same three reads the API makes: the anchor on every day, then both sides from its sort key in parallel on
      // the anchor's day (which holds 50 events either side of it here).
      es: async () => {
        const all = searchPattern(PREFIX);
        const first = await post(all, { size: 1, sort: eventSort('asc'), query: { ids: { values: [anchor] } } });
        const hit = ((await first.json()) as { hits: { hits: { _index: string; sort: unknown[] }[] } }).hits.hits[0]!;
        const key = hit.sort.slice(0, 5);
        const side = (order: 'asc' | 'desc') =>
          post(hit._index, {
            size: 50,
            track_total_hits: false,
            sort: eventSort(order),
            search_after: key,
            query: { match_all: {} },
          });
        const [before, after] = await Promise.all([side('desc'), side('asc')]);
        await before.arrayBuffer();
        return after;
      },
    },
  ];
  const results: Row[] = [];
  for (const c of cases) {
    const [viaApi, viaEs] = await time(window, c.api, c.es);
    const row = {
      window: label,
      query: c.name,
      api_p50_ms: +percentile(viaApi, 50).toFixed(1),
      api_p95_ms: +percentile(viaApi, 95).toFixed(1),
      es_p50_ms: +percentile(viaEs, 50).toFixed(1),
      es_p95_ms: +percentile(viaEs, 95).toFixed(1),
      overhead_p50: +(percentile(viaApi, 50) / percentile(viaEs, 50) - 1).toFixed(3),
      load_average: +loadavg()[0]!.toFixed(2),
    };
    results.push(row);
    console.log(
      `${label}, ${row.query}: API p50 ${row.api_p50_ms} ms p95 ${row.api_p95_ms} ms; Elasticsearch p50 ` +
        `${row.es_p50_ms} ms p95 ${row.es_p95_ms} ms; overhead at p50 ${(row.overhead_p50 * 100).toFixed(0)}% ` +
        `(goal ≤ 20%); load average ${row.load_average}`,
    );
  }
  return results;
}

/** The histogram request the API sends for a window of `span` ms (es-histogram.ts). */
function esHistogramBody(w: Window, span: number): object {
  return {
    size: 0,
    track_total_hits: false,
    timeout: '10000ms',
    query: eventQuery(parseQuery(''), w.from, w.to),
    aggs: {
      t: {
        date_histogram: {
          field: '@timestamp',
          // The interval the API picks for the window (auto: at most 120 buckets).
          fixed_interval: `${autoInterval(span, 120).ms}ms`,
          min_doc_count: 1,
        },
        aggs: { by: { terms: { field: 'host.name', size: 50, missing: '(none)' } } },
      },
    },
  };
}

await main();
