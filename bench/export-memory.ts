/**
 * Export at scale (issue 18): 1,000,000 events exported through `/api/v1/export` as NDJSON and as CSV from a real
 * collector process on each store, counting every event received and sampling the collector's resident memory
 * (/proc) throughout, so the figures show the exact count and that memory stays bounded while hundreds of MB
 * stream out. npm test runs the same checks on 40,000 larger events with a collector whose heap could not hold the
 * export (test/integration/export).
 *
 *   npm run build && node dist/bench/export-memory.js
 *   (LOGSHIP_BENCH_ES_URL=… to use a running Elasticsearch instead of starting one on 127.0.0.1:19204;
 *    LOGSHIP_BENCH_EVENTS to change the count; LOGSHIP_BENCH_STORES=elasticsearch or embedded for one store)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pino from 'pino';
import { createToken } from '../collector/auth/token-store.js';
import { collectorConfig } from '../collector/config.js';
import type { StoredEvent } from '../collector/store/ecs-document.js';
import { createStore } from '../collector/store/create-store.js';
import { startElasticsearch, type RunningElasticsearch } from '../scripts/es/es-process.js';
import { Proc, listenUrl } from './measured-process.js';
import { writeResults } from './results-file.js';

const EVENTS = Number(process.env.LOGSHIP_BENCH_EVENTS ?? 1_000_000);
const ES_PORT = 19204;
const CLI = join(import.meta.dirname, '..', '..', 'bin', 'logship.js');
const HOSTS = ['web-1', 'web-2', 'db-1', 'cache-1'];
const STORES = (process.env.LOGSHIP_BENCH_STORES ?? 'embedded,elasticsearch').split(',') as (
  'embedded' | 'elasticsearch'
)[];

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** EVENTS events over the hour before the last one, written straight into the store in batches. */
async function load(config: Record<string, unknown>, dataDir: string, endMs: number): Promise<void> {
  const store = createStore(collectorConfig({ ...config, data_dir: dataDir }), pino({ level: 'silent' }));
  await store.init();
  const started = Date.now();
  for (let i = 0; i < EVENTS; i += 5000) {
    const batch: StoredEvent[] = [];
    for (let j = i; j < Math.min(EVENTS, i + 5000); j++) {
      const id = `x-${String(j).padStart(7, '0')}`;
      const host = HOSTS[j % HOSTS.length]!;
      batch.push({
        id,
        doc: {
          '@timestamp': new Date(endMs - 3_600_000 + Math.floor((j / EVENTS) * 3_600_000)).toISOString(),
          message: `GET /api/orders/${j} answered 200 in ${j % 997} ms for client 10.0.${j % 256}.${j % 199}, user=u${j % 5000}, trace=${id}`,
          host: { name: host },
          service: { name: 'api' },
          log: { level: 'info', file: { path: '/var/log/api/app.log' }, offset: j * 160 },
          event: { id, ingested: new Date(endMs).toISOString(), dataset: 'plain' },
        },
      });
    }
    await store.write(batch);
  }
  await store.close();
  console.log(`loaded ${EVENTS} events in ${round1((Date.now() - started) / 1000)} s`);
}

/** One export read to its end: events counted, bytes, time, and the collector's memory sampled every 100 ms. */
async function exportAll(url: string, token: string, collector: Proc, format: 'ndjson' | 'csv', from: string) {
  const base = collector.usage()!;
  let peakRss = base.rssMb;
  let peakAnon = base.anonRssMb;
  const sampler = setInterval(() => {
    const u = collector.usage();
    if (!u) return;
    peakRss = Math.max(peakRss, u.rssMb);
    peakAnon = Math.max(peakAnon, u.anonRssMb);
  }, 100);
  const started = Date.now();
  let bytes = 0;
  let newlines = 0;
  try {
    const res = await fetch(`${url}/api/v1/export?format=${format}&limit=max&from=${from}&to=now`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!res.ok) throw new Error(`export answered ${res.status}: ${await res.text()}`);
    for await (const chunk of Readable.fromWeb(res.body! as never) as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) newlines++;
    }
  } finally {
    clearInterval(sampler);
  }
  const seconds = (Date.now() - started) / 1000;
  // CSV has a header record; no message here holds a line break.
  const events = format === 'csv' ? newlines - 1 : newlines;
  return {
    format,
    events,
    exact: events === EVENTS,
    mb: round1(bytes / 1e6),
    seconds: round1(seconds),
    events_per_s: Math.round(events / seconds),
    rss_mb: { before: round1(base.rssMb), peak: round1(peakRss) },
    anon_rss_mb: { before: round1(base.anonRssMb), peak: round1(peakAnon) },
  };
}

async function run(store: 'embedded' | 'elasticsearch', esUrl: string) {
  const work = mkdtempSync(join(tmpdir(), `logship-bench-export-${store}-`));
  const dataDir = join(work, 'collector');
  mkdirSync(dataDir);
  const prefix = `bench-export-${process.pid}`;
  const config = {
    listen: '127.0.0.1:0',
    ...(store === 'elasticsearch' ? { elasticsearch: { url: esUrl, index_prefix: prefix } } : {}),
    export: { max_events: EVENTS },
  };
  const endMs = Date.now() - 60_000;
  const from = new Date(endMs - 3_700_000).toISOString();
  await load(config, dataDir, endMs);
  if (store === 'elasticsearch') await fetch(`${esUrl}/${prefix}-*/_refresh`, { method: 'POST' });
  const token = createToken(dataDir, 'bench', 'read');
  writeFileSync(join(work, 'collector.yml'), JSON.stringify({ ...config, data_dir: dataDir }));
  const collector = new Proc('collector', process.execPath, [
    CLI,
    'collector',
    '--config',
    join(work, 'collector.yml'),
  ]);
  try {
    const url = await collector.waitFor('listen address', listenUrl, 120_000);
    const results = [];
    for (const format of ['ndjson', 'csv'] as const) {
      const result = await exportAll(url, token, collector, format, from);
      console.log(`${store} ${format}: ${JSON.stringify(result)}`);
      results.push(result);
    }
    return { store, events: EVENTS, exports: results };
  } finally {
    await collector.stop();
    if (store === 'elasticsearch') {
      await fetch(`${esUrl}/${prefix}-*?ignore_unavailable=true&allow_no_indices=true`, { method: 'DELETE' });
      await fetch(`${esUrl}/_index_template/${prefix}-*`, { method: 'DELETE' });
    }
    rmSync(work, { recursive: true, force: true });
  }
}

/** The runs in bench/results/export-memory.json, if any. */
function previousRuns(): { store: string }[] {
  try {
    const file = join(import.meta.dirname, '..', '..', 'bench', 'results', 'export-memory.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { runs?: { store: string }[] }).runs ?? [];
  } catch {
    return [];
  }
}

const esDir = join(tmpdir(), `logship-bench-export-es-${process.pid}`);
let own: RunningElasticsearch | undefined;
let esUrl = process.env.LOGSHIP_BENCH_ES_URL;
try {
  if (!esUrl && STORES.includes('elasticsearch')) {
    own = await startElasticsearch({ port: ES_PORT, dataDir: esDir, heap: '1g', fresh: true });
    esUrl = own.url;
  }
  const runs = [];
  for (const store of STORES) runs.push({ measured_at: new Date().toISOString(), ...(await run(store, esUrl ?? '')) });
  // A run of one store keeps the other store's last figures in the results file.
  const kept = previousRuns().filter((r) => !(STORES as string[]).includes(r.store));
  writeResults('export-memory', { runs: [...kept, ...runs] });
  if (runs.some((r) => r.exports.some((e) => !e.exact))) process.exitCode = 1;
} finally {
  await own?.stop();
  rmSync(esDir, { recursive: true, force: true });
}
