/**
 * The collector a search or growth benchmark reads and writes through, in front of the benchmark's Elasticsearch
 * with one data set's index prefix, and the hour counting that collector would do in the background.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import pino from 'pino';
import { createToken } from '../collector/auth/token-store.js';
import { collectorConfig, type CollectorConfig } from '../collector/config.js';
import { startCollector } from '../collector/main.js';
import { EsCounts } from '../collector/store/elasticsearch/es-counts.js';

export interface BenchCollector {
  url: string;
  config: CollectorConfig;
  ingestToken: string;
  readToken: string;
  stop(): Promise<void>;
}

/** A collector on a free port storing into `esUrl` under `prefix`, with an ingest and a read token. */
export async function benchCollector(esUrl: string, prefix: string): Promise<BenchCollector> {
  const dataDir = mkdtempSync(join(tmpdir(), 'logship-bench-search-'));
  const ingestToken = createToken(dataDir, 'ingest', 'ingest');
  const readToken = createToken(dataDir, 'read', 'read');
  const config = collectorConfig({
    listen: '127.0.0.1:0',
    data_dir: dataDir,
    elasticsearch: { url: esUrl, index_prefix: prefix },
  });
  const collector = await startCollector(config, pino({ level: 'warn' }));
  return {
    url: collector.url,
    config,
    ingestToken,
    readToken,
    async stop() {
      await collector.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until every quiet hour of the data set is counted (es-counts.ts), as the collector does in the background a
 * minute at most after the events arrive, so the reads measure the steady state; the time it took is reported.
 */
export async function countHours(
  esUrl: string,
  prefix: string,
): Promise<{ seconds: number; hours: number; load_average: number }> {
  const client = new Client({ node: esUrl });
  const counts = new EsCounts({
    client,
    indexPrefix: prefix,
    searchTimeoutMs: 60_000,
    logger: pino({ level: 'warn' }),
  });
  const started = Date.now();
  let hours = 0;
  try {
    for (let round = await counts.catchUp(new Date()); round > 0; round = await counts.catchUp(new Date()))
      hours += round;
  } finally {
    await client.close();
  }
  await fetch(`${esUrl}/${prefix}-*/_refresh`, { method: 'POST' });
  const result = {
    seconds: +((Date.now() - started) / 1000).toFixed(1),
    hours,
    load_average: +loadavg()[0]!.toFixed(2),
  };
  console.log(`counted ${hours} hours in ${result.seconds} s (load average ${result.load_average})`);
  return result;
}
