import { join } from 'node:path';
import type { Logger } from 'pino';
import type { CollectorConfig } from '../config.js';
import { EmbeddedStore } from './embedded/embedded-store.js';
import { esConnection } from './elasticsearch/es-connection.js';
import { EsStore, type EsStoreOptions } from './elasticsearch/es-store.js';
import type { LogStore } from './log-store.js';

/** Chooses the store from config: Elasticsearch when configured, else the embedded store. */
export function createStore(config: CollectorConfig, logger: Logger): LogStore {
  // The collector keeps the counts its histograms read; a store made for one task (a test, a tool) need not.
  if (config.elasticsearch) return new EsStore({ ...esStoreOptions(config), countEvents: true }, logger);
  return new EmbeddedStore(
    {
      dir: join(config.data_dir, 'store'),
      searchTimeoutMs: config.search.timeout,
      exactTotalUpTo: config.search.exact_total_up_to,
      readThreads: config.search.read_threads,
      maxQueuedReads: config.search.max_queued_reads,
    },
    logger,
  );
}

/** The Elasticsearch store's options from a collector config that names Elasticsearch. */
export function esStoreOptions(config: CollectorConfig): EsStoreOptions {
  const es = config.elasticsearch;
  if (!es) throw new Error('The collector config names no Elasticsearch.');
  return {
    ...esConnection(es),
    indexPrefix: es.index_prefix,
    templates: { replicas: es.replicas, codec: es.codec },
    bulkMaxEvents: es.bulk_max_events,
    bulkConcurrency: es.bulk_concurrency,
    bulkMaxQueued: es.bulk_max_queued,
    requestTimeoutMs: es.request_timeout,
    searchTimeoutMs: config.search.timeout,
    exactTotalUpTo: config.search.exact_total_up_to,
  };
}
