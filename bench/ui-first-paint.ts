/**
 * UI benchmark (issue 7): time from submitting a query to the first results painted, on 1,000,000 events in real
 * Elasticsearch, and the gzipped size of the UI's JavaScript. Not a test: it prints figures and writes
 * bench/results/ui-first-paint.json.
 *
 *   npm run build && node dist/bench/ui-first-paint.js   (LOGSHIP_BENCH_ES_URL=… to use a running Elasticsearch)
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { createToken } from '../collector/auth/token-store.js';
import { collectorConfig } from '../collector/config.js';
import { startCollector } from '../collector/main.js';
import { startElasticsearch } from '../scripts/es/es-process.js';
import { launchBrowser } from '../test/support/browser.js';
import { writeResults } from './results-file.js';

const EVENTS = Number(process.env.LOGSHIP_BENCH_EVENTS ?? 1_000_000);
const PREFIX = 'bench-ui';
const ROOT = join(import.meta.dirname, '..', '..');
const HOSTS = Array.from({ length: 8 }, (_, i) => (i < 5 ? `web-${i + 1}` : `db-${i - 4}`));
const WORDS = ['request', 'finished', 'connection', 'timeout', 'cache', 'miss', 'user', 'login', 'query', 'slow'];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function count(esUrl: string): Promise<number> {
  const res = await fetch(`${esUrl}/${PREFIX}-*/_count`);
  return res.ok ? ((await res.json()) as { count: number }).count : 0;
}

/** Loads EVENTS events over the last 24 h through the collector's ingest API, once. */
async function load(url: string, token: string, esUrl: string): Promise<void> {
  const have = await count(esUrl);
  if (have >= EVENTS) return;
  const started = Date.now();
  const now = Date.now();
  const batch = 10_000;
  for (let start = 0; start < EVENTS; start += batch) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(EVENTS, start + batch); i++) {
      const host = HOSTS[i % HOSTS.length]!;
      const words = `${WORDS[i % 10]} ${WORDS[(i * 7) % 10]} ${WORDS[(i * 13) % 10]}`;
      const level = i % 997 === 0 ? 'error' : i % 101 === 0 ? 'warn' : 'info';
      lines.push(
        JSON.stringify({
          id: `b${i}`,
          timestamp: new Date(now - 86_400_000 + Math.floor((i / EVENTS) * 86_400_000)).toISOString(),
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
  await fetch(`${esUrl}/${PREFIX}-*/_refresh`, { method: 'POST' });
  process.stderr.write(`Loaded ${EVENTS} events in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
}

async function main(): Promise<void> {
  let esUrl = process.env.LOGSHIP_BENCH_ES_URL;
  const es = esUrl ? undefined : await startElasticsearch({ port: 19201, dataDir: join(tmpdir(), 'logship-bench-es') });
  esUrl ??= es!.url;
  const dataDir = join(tmpdir(), 'logship-bench-ui');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const ingestToken = createToken(dataDir, 'ingest', 'ingest');
  const readToken = createToken(dataDir, 'read', 'read');
  const collector = await startCollector(
    collectorConfig({ listen: '127.0.0.1:0', data_dir: dataDir, elasticsearch: { url: esUrl, index_prefix: PREFIX } }),
    pino({ level: 'warn' }),
  );
  await load(collector.url, ingestToken, esUrl);

  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('crash', () => process.stderr.write('The page crashed.\n'));
  page.on('pageerror', (e) => process.stderr.write(`Page error: ${e.message}\n`));
  await page.goto(`${collector.url}/login`);
  await page.fill('#token', readToken);
  await page.click('button[type=submit]');
  await page.waitForSelector('.summary');
  const queries = [
    '',
    'timeout',
    'level:error',
    '"connection cache"',
    'host:db-1 AND slow',
    'cache AND NOT miss',
    'service:postgres',
    'id*',
  ];
  const samples: Record<string, number[]> = {};
  for (let round = 0; round < 5; round++) {
    for (const q of queries) {
      await page.goto(`${collector.url}/?from=now-24h&q=${encodeURIComponent('zzz-nothing')}`);
      await page.waitForSelector('.summary');
      await page.fill('#q', q);
      // Measured inside the page: from the submit to the frame after the first result row exists. A string, because
      // it runs in the browser, not under Node's types.
      const ms = (await page.evaluate(`new Promise((resolve) => {
        const start = performance.now();
        const check = () => {
          const first = document.querySelector('.hit');
          const summary = document.querySelector('.summary')?.textContent;
          if ((first && summary !== '0 events') || (summary === '0 events' && performance.now() - start > 5000)) requestAnimationFrame(() => resolve(performance.now() - start));
          else requestAnimationFrame(check);
        };
        document.querySelector('form.query-bar button[type=submit]').click();
        requestAnimationFrame(check);
      })`)) as number;
      (samples[q || '(all)'] ??= []).push(ms);
      process.stderr.write(`round ${round + 1}: ${JSON.stringify(q)} ${ms.toFixed(0)} ms\n`);
    }
  }
  await browser.close();
  await collector.stop();
  if (es && !es.reused) await es.stop();

  const assets = join(ROOT, 'ui', 'dist', 'assets');
  const jsGzip = readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .reduce((sum, f) => sum + gzipSync(readFileSync(join(assets, f))).length, 0);
  const rows = Object.entries(samples).map(([q, v]) => {
    const sorted = [...v].sort((a, b) => a - b);
    return { query: q, p50_ms: Math.round(percentile(sorted, 50)), p95_ms: Math.round(percentile(sorted, 95)) };
  });
  const result = {
    events: EVENTS,
    js_gzip_bytes: jsGzip,
    first_paint: rows,
    goal: { first_paint_ms: 500, js_gzip_bytes: 300 * 1024 },
  };
  writeResults('ui-first-paint', result);
  console.log(`UI JavaScript: ${(jsGzip / 1024).toFixed(1)} KiB gzipped (goal ≤ 300 KiB)`);
  for (const r of rows)
    console.log(
      `first results painted for ${JSON.stringify(r.query)}: p50 ${r.p50_ms} ms, p95 ${r.p95_ms} ms (goal ≤ 500 ms)`,
    );
}

await main();
