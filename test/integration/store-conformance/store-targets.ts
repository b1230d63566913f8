import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { EmbeddedStore } from '../../../collector/store/embedded/embedded-store.js';
import { EsStore } from '../../../collector/store/elasticsearch/es-store.js';
import type { LogStore } from '../../../collector/store/log-store.js';
import { collectorConfig } from '../../../collector/config.js';
import { esStoreOptions } from '../../../collector/store/create-store.js';
import {
  deleteIndices,
  ES_TARGET_NAMES,
  esTarget,
  refreshIndices,
  type EsTargetName,
} from '../../support/elasticsearch.js';

/** A store under test: the LogStore, a way to make writes searchable now, and a clean-up. */
export interface StoreUnderTest {
  store: LogStore;
  /** Elasticsearch shows writes after a refresh; the embedded store at once (a no-op there). */
  refresh(): Promise<void>;
  dispose(): Promise<void>;
}

export interface StoreTarget {
  name: 'elasticsearch' | 'elasticsearch (secured)' | 'embedded';
  create(suite: string): Promise<StoreUnderTest>;
}

const logger = pino({ level: process.env.LOGSHIP_TEST_LOG ?? 'silent' });

/**
 * A real Elasticsearch of the test run, with an index prefix of its own: the plain one, or the secured one with
 * the collector connecting as its least-privileged user over HTTPS (settings built as the collector builds them).
 */
function elasticsearch(kind: EsTargetName): StoreTarget {
  return {
    name: kind === 'plain' ? 'elasticsearch' : 'elasticsearch (secured)',
    async create(suite) {
      const target = await esTarget(kind);
      const prefix = `t-conf-${suite}-${process.pid}`;
      const config = collectorConfig({
        elasticsearch: { ...target.settings, index_prefix: prefix, bulk_concurrency: 2, bulk_max_queued: 16 },
      });
      const store = new EsStore(esStoreOptions(config), logger);
      await store.init();
      return {
        store,
        // Then the quiet hours are counted, as the collector does in the background, so every histogram the counts
        // can answer is answered from them and held to the same numbers as the embedded store's.
        async refresh() {
          await refreshIndices(`${prefix}-*`, target);
          if ((await store.counts.catchUp(new Date())) > 0) await refreshIndices(`${prefix}-*`, target);
        },
        async dispose() {
          await store.close();
          await deleteIndices(`${prefix}-*`, target);
        },
      };
    },
  };
}

/** The embedded store in a fresh temporary folder. */
const embedded: StoreTarget = {
  name: 'embedded',
  async create(suite) {
    const dir = mkdtempSync(join(tmpdir(), `logship-conf-${suite}-`));
    const store = new EmbeddedStore(
      { dir: join(dir, 'store'), searchTimeoutMs: 10_000, exactTotalUpTo: 1_000_000 },
      logger,
    );
    await store.init();
    return {
      store,
      refresh: async () => {},
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/** Every store the conformance suite holds to the same answers. */
export const STORE_TARGETS: readonly StoreTarget[] = [...ES_TARGET_NAMES.map((kind) => elasticsearch(kind)), embedded];
