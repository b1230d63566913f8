/**
 * Ingest benchmark (issue 5): documents per second until searchable, for
 *  - the ceiling: the same documents logship stores, bulk-loaded straight into Elasticsearch through the same
 *    template (explicit ids, `create`, batches of 5,000, 4 in flight);
 *  - logship: NDJSON to `POST /api/v1/ingest` (batches of 2,000, 4 in flight, from a worker thread) through the
 *    collector's parsing into the same Elasticsearch.
 * Prints the figures and writes bench/results/ingest-throughput.json. Not a test.
 *
 *   npm run build && LOGSHIP_BENCH_ES_URL=http://127.0.0.1:9200 node dist/bench/ingest-throughput.js
 *   (LOGSHIP_BENCH_LINES=1000000 by default; LOGSHIP_BENCH_FORMAT=auto|plain|…)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Client } from '@elastic/elasticsearch';
import pino from 'pino';
import { createToken } from '../collector/auth/token-store.js';
import { collectorConfig } from '../collector/config.js';
import { startCollector } from '../collector/main.js';
import { bulkLoadCeiling, untilSearchable } from './es-ceiling.js';
import { benchEvent } from './ingest-lines.js';
import { writeResults } from './results-file.js';

const LINES = Number(process.env.LOGSHIP_BENCH_LINES ?? 1_000_000);
const FORMAT = process.env.LOGSHIP_BENCH_FORMAT ?? 'auto';

async function logship(esUrl: string, es: Client, prefix: string, base: number): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'logship-bench-ingest-'));
  const token = createToken(dataDir, 'bench', 'ingest');
  const collector = await startCollector(
    collectorConfig({
      listen: '127.0.0.1:0',
      data_dir: dataDir,
      elasticsearch: { url: esUrl, index_prefix: `${prefix}-logship` },
    }),
    pino({ level: 'warn' }),
  );
  try {
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      const worker = new Worker(new URL('./ingest-load-worker.js', import.meta.url), {
        workerData: {
          base,
          url: collector.url,
          token,
          lines: LINES,
          batch: Number(process.env.LOGSHIP_BENCH_BATCH ?? 2000),
          inFlight: 4,
          format: FORMAT,
        },
      });
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    const seconds = await untilSearchable(es, `${prefix}-logship-2*`, LINES, started);
    return LINES / seconds;
  } finally {
    await collector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const esUrl = process.env.LOGSHIP_BENCH_ES_URL;
if (!esUrl) throw new Error('Set LOGSHIP_BENCH_ES_URL to a running Elasticsearch (e.g. npm run es:start).');
const es = new Client({ node: esUrl, requestTimeout: 120_000 });
const prefix = `bench-ingest-${process.pid}`;
try {
  const base = Date.now() - 3_600_000;
  const { docsPerSecond: ceilingRate } = await bulkLoadCeiling({
    esUrl,
    es,
    indexPrefix: `${prefix}-ceiling`,
    lines: LINES,
    event: (i) => benchEvent(i, base, FORMAT),
  });
  console.log(`ceiling (direct bulk): ${Math.round(ceilingRate)} docs/s`);
  const logshipRate = await logship(esUrl, es, prefix, base);
  console.log(`logship (ingest API, format ${FORMAT}): ${Math.round(logshipRate)} docs/s`);
  console.log(`ratio: ${(logshipRate / ceilingRate).toFixed(2)}x the ceiling`);
  writeResults('ingest-throughput', {
    lines: LINES,
    format: FORMAT,
    ceiling_docs_per_s: Math.round(ceilingRate),
    logship_docs_per_s: Math.round(logshipRate),
    ratio: Number((logshipRate / ceilingRate).toFixed(3)),
    measured_at: new Date().toISOString(),
  });
} finally {
  await es.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true, allow_no_indices: true });
  // Both runs put their templates in; a bench must leave the cluster as it found it.
  await es.indices.deleteIndexTemplate({ name: `${prefix}-*` }, { ignore: [404] });
  await es.close();
}
