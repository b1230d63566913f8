/**
 * Search benchmark (issue 6): p50/p95 of typical reads (free text, field filter, histogram, context) on 1,000,000
 * events, through the collector's API and as the same Elasticsearch request sent straight to the server. Goal: API
 * overhead ≤ 20% at p50. Not a test: it prints figures and writes bench/results/search-latency.json.
 *
 *   npm run build && node dist/bench/search-latency.js   (LOGSHIP_BENCH_ES_URL=… to use a running Elasticsearch)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { createToken } from '../collector/auth/token-store.js';
import { collectorConfig } from '../collector/config.js';
import { startCollector } from '../collector/main.js';
import { parseQuery } from '../collector/query/parse-query.js';
import { eventQuery, eventSort } from '../collector/store/elasticsearch/es-read.js';
import { searchPattern } from '../collector/store/elasticsearch/index-templates.js';
import { startElasticsearch } from '../scripts/es/es-process.js';
import { writeResults } from './results-file.js';

const EVENTS = Number(process.env.LOGSHIP_BENCH_EVENTS ?? 1_000_000);
const RUNS = Number(process.env.LOGSHIP_BENCH_RUNS ?? 60);
const PREFIX = 'bench-search';
const HOSTS = ['web-1', 'web-2', 'web-3', 'db-1', 'db-2', 'cache-1', 'worker-1', 'worker-2'];
const LEVELS = ['info', 'info', 'info', 'info', 'debug', 'warn', 'error'];
const WORDS = ['request', 'finished', 'connection', 'reset', 'timeout', 'cache', 'miss', 'user', 'login', 'slow'];
const DAY = 86_400_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function count(esUrl: string): Promise<number> {
  const res = await fetch(`${esUrl}/${searchPattern(PREFIX)}/_count`);
  return res.ok ? ((await res.json()) as { count: number }).count : 0;
}

/** Loads EVENTS events over 24 h ending an hour ago through the ingest API, once (indices are kept between runs). */
async function load(url: string, token: string, esUrl: string, end: number): Promise<void> {
  if ((await count(esUrl)) >= EVENTS) return;
  const started = Date.now();
  let seed = 7;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const batch = 10_000;
  for (let i = 0; i < EVENTS; i += batch * 4) {
    await Promise.all(
      [0, 1, 2, 3].map(async (k) => {
        const lines: string[] = [];
        for (let j = i + k * batch; j < Math.min(EVENTS, i + (k + 1) * batch); j++) {
          const host = pick(HOSTS);
          lines.push(
            JSON.stringify({
              id: `b-${j}`,
              timestamp: new Date(end - DAY + Math.floor((j / EVENTS) * DAY)).toISOString(),
              host,
              service: host.replace(/-\d+$/, ''),
              source: `/var/log/${host}.log`,
              offset: j * 80,
              level: pick(LEVELS),
              format: 'plain',
              message: `${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)} status ${pick(['200', '404', '500'])} in ${Math.floor(random() * 900)} ms`,
            }),
          );
        }
        if (lines.length === 0) return;
        const res = await fetch(`${url}/api/v1/ingest`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-ndjson',
            'content-encoding': 'gzip',
            authorization: `Bearer ${token}`,
          },
          body: gzipSync(lines.join('\n') + '\n'),
        });
        if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
      }),
    );
  }
  await fetch(`${esUrl}/${PREFIX}-*/_refresh`, { method: 'POST' });
  console.log(`loaded ${EVENTS} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Times both ways alternately, so neither profits from caches the other warmed. */
async function time(a: () => Promise<Response>, b: () => Promise<Response>): Promise<[number[], number[]]> {
  const samples: [number[], number[]] = [[], []];
  for (let i = 0; i < RUNS + 5; i++) {
    for (const [k, run] of [a, b].entries()) {
      const t = performance.now();
      const res = await run();
      if (!res.ok) throw new Error(`${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
      if (i >= 5) samples[k]!.push(performance.now() - t);
    }
  }
  return [samples[0].sort((x, y) => x - y), samples[1].sort((x, y) => x - y)];
}

async function main(): Promise<void> {
  let esUrl = process.env.LOGSHIP_BENCH_ES_URL;
  const es = esUrl ? undefined : await startElasticsearch({ port: 19201, dataDir: join(tmpdir(), 'logship-bench-es') });
  esUrl ??= es!.url;
  const dataDir = mkdtempSync(join(tmpdir(), 'logship-bench-search-'));
  const ingestToken = createToken(dataDir, 'ingest', 'ingest');
  const readToken = createToken(dataDir, 'read', 'read');
  const collector = await startCollector(
    collectorConfig({ listen: '127.0.0.1:0', data_dir: dataDir, elasticsearch: { url: esUrl, index_prefix: PREFIX } }),
    pino({ level: 'warn' }),
  );
  try {
    const end = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    await load(collector.url, ingestToken, esUrl, end);
    const from = new Date(end - DAY);
    const to = new Date(end);
    const api = (path: string, params: Record<string, string>) => () =>
      fetch(`${collector.url}${path}?${new URLSearchParams(params)}`, {
        headers: { authorization: `Bearer ${readToken}` },
      });
    const direct = (body: object) => () =>
      fetch(`${esUrl}/${searchPattern(PREFIX)}/_search?ignore_unavailable=true&allow_no_indices=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const search = (q: string) => ({
      size: 100,
      track_total_hits: 1_000_000,
      timeout: '10000ms',
      sort: eventSort('desc'),
      query: eventQuery(parseQuery(q), from, to),
    });
    const window = { from: from.toISOString(), to: to.toISOString() };
    const anchor = `b-${Math.floor(EVENTS / 2)}`;
    const cases = [
      { name: 'free text', api: api('/api/v1/search', { ...window, q: 'timeout' }), es: direct(search('timeout')) },
      {
        name: 'field filter',
        api: api('/api/v1/search', { ...window, q: 'host:web-1 AND level:error' }),
        es: direct(search('host:web-1 AND level:error')),
      },
      {
        name: 'histogram by host',
        api: api('/api/v1/histogram', { ...window, by: 'host' }),
        es: direct({
          size: 0,
          track_total_hits: false,
          timeout: '10000ms',
          query: eventQuery(parseQuery(''), from, to),
          aggs: {
            t: {
              date_histogram: {
                field: '@timestamp',
                fixed_interval: `${15 * 60_000}ms`,
                min_doc_count: 0,
                extended_bounds: { min: from.getTime(), max: to.getTime() },
              },
              aggs: { by: { terms: { field: 'host.name', size: 50, missing: '(none)' } } },
            },
          },
        }),
      },
      {
        name: 'context 50/50',
        api: api(`/api/v1/events/${anchor}/context`, {}),
        // The same three reads the API makes: the anchor, then both sides from its sort key in parallel.
        es: async () => {
          const post = (body: object) => direct(body)();
          const first = await post({ size: 1, sort: eventSort('asc'), query: { ids: { values: [anchor] } } });
          const key = ((await first.json()) as { hits: { hits: { sort: unknown[] }[] } }).hits.hits[0]!.sort.slice(
            0,
            5,
          );
          const side = (order: 'asc' | 'desc') =>
            post({
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
    const results = [];
    for (const c of cases) {
      const [viaApi, viaEs] = await time(c.api, c.es);
      const row = {
        query: c.name,
        api_p50_ms: +percentile(viaApi, 50).toFixed(1),
        api_p95_ms: +percentile(viaApi, 95).toFixed(1),
        es_p50_ms: +percentile(viaEs, 50).toFixed(1),
        es_p95_ms: +percentile(viaEs, 95).toFixed(1),
        overhead_p50: +(percentile(viaApi, 50) / percentile(viaEs, 50) - 1).toFixed(3),
      };
      results.push(row);
      console.log(
        `${row.query}: API p50 ${row.api_p50_ms} ms p95 ${row.api_p95_ms} ms; Elasticsearch p50 ${row.es_p50_ms} ms ` +
          `p95 ${row.es_p95_ms} ms; overhead at p50 ${(row.overhead_p50 * 100).toFixed(0)}% (goal ≤ 20%)`,
      );
    }
    writeResults('search-latency', { events: EVENTS, runs: RUNS, results });
  } finally {
    await collector.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await es?.stop();
  }
}

await main();
