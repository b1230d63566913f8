/**
 * UI benchmark (issues 7 and 17): on 1,000,000 events, for each store (Elasticsearch and the embedded store), the
 * time from submitting a query in the browser to its first result rows painted, beside the time the server takes
 * to answer the same search request on its own. Goal: rows painted within 1.5 × the server's search time + 100 ms,
 * so the page adds little to the store (the rows are asked for first and alone; the chart and the facets follow).
 * Also the gzipped size of the UI's JavaScript. Not a test: it prints figures and writes
 * bench/results/ui-first-paint.json.
 *
 *   npm run build && node dist/bench/ui-first-paint.js
 *   LOGSHIP_BENCH_ES_URL=http://127.0.0.1:19200  use a running Elasticsearch instead of starting one on 19201
 *   LOGSHIP_BENCH_ES_PORT=19264                  start ours on that port instead
 *   LOGSHIP_BENCH_STORES=embedded                one store only (elasticsearch, embedded)
 *   LOGSHIP_BENCH_EVENTS, _HOSTS, _DAYS          the data set (growth-shape.ts), e.g. 10000000, 30, 7
 *   LOGSHIP_BENCH_RESULT=ui-first-paint-10m      the results file's name
 * The browser searches the whole loaded span.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { createToken } from '../collector/auth/token-store.js';
import { collectorConfig } from '../collector/config.js';
import { startCollector } from '../collector/main.js';
import { launchBrowser } from '../test/support/browser.js';
import { benchElasticsearch, loadedEvents } from './bench-elasticsearch.js';
import { dataShape } from './growth-shape.js';
import { writeResults } from './results-file.js';

const SHAPE = dataShape();
const EVENTS = SHAPE.events;
const HOSTS = SHAPE.hosts;
const SPAN = SHAPE.spanMs;
const STORES = (process.env.LOGSHIP_BENCH_STORES ?? 'elasticsearch,embedded').split(',') as Store[];
const ROUNDS = 5;
/** One prefix per data set, so a kept node reuses each set it holds. */
const PREFIX = `bench-ui-${EVENTS}e-${HOSTS.length}h-${SHAPE.days}d`;
const ROOT = join(import.meta.dirname, '..', '..');
const WORDS = ['request', 'finished', 'connection', 'timeout', 'cache', 'miss', 'user', 'login', 'query', 'slow'];
/** The UI's first page of rows: the server is timed on the very request the page makes. */
const PAGE = 200;
const QUERIES = [
  '',
  'timeout',
  'level:error',
  '"connection cache"',
  // Every db-1 event has this word with any host count (8 for the everyday run, 30 for the growth run).
  'host:db-1 AND timeout',
  'cache AND NOT miss',
  'service:postgres',
  'message:/sl.w/',
  'id*',
];

type Store = 'elasticsearch' | 'embedded';

interface Row {
  store: Store;
  query: string;
  server_p50_ms: number;
  paint_p50_ms: number;
  paint_p95_ms: number;
  /** 1.5 × server + 100 ms. */
  goal_ms: number;
  met: boolean;
  load_average: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Loads EVENTS events spread over the span before `end` through the collector's ingest API, four batches at a time. */
async function load(url: string, token: string, end: number): Promise<void> {
  const started = Date.now();
  const batch = 10_000;
  let next = 0;
  const sender = async () => {
    for (let start = next; start < EVENTS; start = next) {
      next += batch;
      await send(url, token, end, start, batch);
    }
  };
  await Promise.all([sender(), sender(), sender(), sender()]);
  process.stderr.write(`Loaded ${EVENTS} events in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
}

/** One batch of the load: events start…start+batch. */
async function send(url: string, token: string, end: number, start: number, batch: number): Promise<void> {
  const lines: string[] = [];
  for (let i = start; i < Math.min(EVENTS, start + batch); i++) {
    const host = HOSTS[i % HOSTS.length]!;
    const words = `${WORDS[i % 10]} ${WORDS[(i * 7) % 10]} ${WORDS[(i * 13) % 10]}`;
    const level = i % 997 === 0 ? 'error' : i % 101 === 0 ? 'warn' : 'info';
    lines.push(
      JSON.stringify({
        id: `b${i}`,
        timestamp: new Date(end - SPAN + Math.floor((i / EVENTS) * SPAN)).toISOString(),
        host,
        service: host.startsWith('db') ? 'postgres' : 'api',
        level,
        message: `${words} id=${i} took=${i % 1000}ms`,
      }),
    );
  }
  const res = await fetch(`${url}/api/v1/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip', authorization: `Bearer ${token}` },
    body: gzipSync(lines.join('\n')),
  });
  if (!res.ok) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
}

/** The page's API requests in flight: a query is submitted only once the previous one's chart and facets are done. */
function trackRequests(page: Page): () => Promise<void> {
  let inFlight = 0;
  page.on('request', (r) => void (r.url().includes('/api/v1/') && !r.url().includes('/tail') && inFlight++));
  const done = (r: { url(): string }) =>
    void (r.url().includes('/api/v1/') && !r.url().includes('/tail') && inFlight--);
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  // Quiet for 300 ms: the chart and the facets start one after another, with moments of nothing in flight between.
  return async () => {
    for (let quiet = 0, i = 0; quiet < 6 && i < 1200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      quiet = inFlight > 0 ? 0 : quiet + 1;
    }
  };
}

/** Measures one store: the server alone on the UI's search request, then the browser from submit to first rows. */
async function measure(store: Store, esUrl: string | undefined): Promise<Row[]> {
  const dataDir = join(tmpdir(), `logship-bench-ui-${store}`);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const ingestToken = createToken(dataDir, 'ingest', 'ingest');
  const readToken = createToken(dataDir, 'read', 'read');
  const collector = await startCollector(
    collectorConfig({
      listen: '127.0.0.1:0',
      data_dir: dataDir,
      ...(store === 'elasticsearch' ? { elasticsearch: { url: esUrl!, index_prefix: PREFIX } } : {}),
    }),
    pino({ level: 'warn' }),
  );
  let end = Date.now();
  if (store === 'elasticsearch') {
    const have = await loadedEvents(esUrl!, `${PREFIX}-*`);
    if (have.count === EVENTS) end = have.newest + 1;
    else {
      await fetch(`${esUrl}/${PREFIX}-*`, { method: 'DELETE' });
      await load(collector.url, ingestToken, end);
      await fetch(`${esUrl}/${PREFIX}-*/_refresh`, { method: 'POST' });
    }
  } else await load(collector.url, ingestToken, end);
  const from = new Date(end - SPAN - 1000).toISOString();
  const to = new Date(end + 1000).toISOString();

  const server: Record<string, number[]> = {};
  const paint: Record<string, number[]> = {};
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => process.stderr.write(`Page error: ${e.message}\n`));
    const idle = trackRequests(page);
    await page.goto(`${collector.url}/login`);
    await page.fill('#token', readToken);
    await page.click('button[type=submit]');
    await page.waitForSelector('.summary');
    for (let round = 0; round < ROUNDS; round++) {
      for (const q of QUERIES) {
        await page.goto(`${collector.url}/?from=${from}&to=${to}&q=zzz-nothing`);
        await page.waitForSelector('.summary');
        await idle();
        await page.fill('#q', q);
        // Measured inside the page: from the submit to the frame after the first result row exists. A string, because
        // it runs in the browser, not under Node's types.
        const ms = (await page.evaluate(`new Promise((resolve, reject) => {
          const start = performance.now();
          const check = () => {
            if (document.querySelector('.hit')) requestAnimationFrame(() => resolve(performance.now() - start));
            else if (performance.now() - start > 30000) reject(new Error('no result row within 30 s'));
            else requestAnimationFrame(check);
          };
          document.querySelector('form.query-bar button[type=submit]').click();
          requestAnimationFrame(check);
        })`)) as number;
        (paint[q || '(all)'] ??= []).push(ms);
        await idle();
        // The server alone on the same request, after the page (so it gets the warmer cache, never the page).
        const params = new URLSearchParams({ q, from, to, limit: String(PAGE) });
        const t = performance.now();
        const res = await fetch(`${collector.url}/api/v1/search?${params}`, {
          headers: { authorization: `Bearer ${readToken}` },
        });
        const body = (await res.json()) as { hits: unknown[] };
        if (!res.ok || body.hits.length === 0) throw new Error(`the search ${JSON.stringify(q)} found nothing`);
        (server[q || '(all)'] ??= []).push(performance.now() - t);

        process.stderr.write(
          `${store} round ${round + 1}: ${JSON.stringify(q)} server ${server[q || '(all)']!.at(-1)!.toFixed(0)} ms, painted ${ms.toFixed(0)} ms\n`,
        );
      }
    }
  } finally {
    await browser.close();
    await collector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return Object.keys(paint).map((query) => {
    const serverMs = percentile(server[query]!, 50);
    const goal = 1.5 * serverMs + 100;
    const p50 = percentile(paint[query]!, 50);
    return {
      store,
      query,
      server_p50_ms: Math.round(serverMs),
      paint_p50_ms: Math.round(p50),
      paint_p95_ms: Math.round(percentile(paint[query]!, 95)),
      goal_ms: Math.round(goal),
      met: p50 <= goal,
      load_average: +loadavg()[0]!.toFixed(2),
    };
  });
}

async function main(): Promise<void> {
  const es = STORES.includes('elasticsearch')
    ? await benchElasticsearch('ui', 19201, { fresh: false, keep: true })
    : undefined;
  const rows: Row[] = [];
  try {
    for (const store of STORES) rows.push(...(await measure(store, es?.url)));
  } finally {
    await es?.stop();
  }

  const assets = join(ROOT, 'ui', 'dist', 'assets');
  const jsGzip = readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .reduce((sum, f) => sum + gzipSync(readFileSync(join(assets, f))).length, 0);
  writeResults(process.env.LOGSHIP_BENCH_RESULT ?? 'ui-first-paint', {
    events: EVENTS,
    hosts: HOSTS.length,
    days: SHAPE.days,
    rounds: ROUNDS,
    js_gzip_bytes: jsGzip,
    goal: { first_paint: '1.5 × server search + 100 ms (p50)', js_gzip_bytes: 300 * 1024 },
    first_paint: rows,
  });
  console.log(`UI JavaScript: ${(jsGzip / 1024).toFixed(1)} KiB gzipped (goal ≤ 300 KiB)`);
  for (const r of rows)
    console.log(
      `${r.store.padEnd(13)} ${JSON.stringify(r.query).padEnd(22)} server p50 ${String(r.server_p50_ms).padStart(5)} ms, ` +
        `first rows p50 ${String(r.paint_p50_ms).padStart(5)} ms (p95 ${r.paint_p95_ms}), goal ≤ ${r.goal_ms} ms: ` +
        `${r.met ? 'met' : 'MISSED'} (${(r.paint_p50_ms / r.server_p50_ms).toFixed(2)}× server); load average ${r.load_average}`,
    );
}

await main();
