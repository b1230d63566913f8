import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { EmbeddedStore } from '../../../collector/store/embedded/embedded-store.js';
import { EsStore } from '../../../collector/store/elasticsearch/es-store.js';
import type { LogStore } from '../../../collector/store/log-store.js';
import { deleteIndices, testEsUrl } from '../../support/elasticsearch.js';

/** A store under test: the LogStore, a way to make writes searchable now, and a clean-up. */
export interface StoreUnderTest {
  store: LogStore;
  /** Elasticsearch shows writes after a refresh; the embedded store at once (a no-op there). */
  refresh(): Promise<void>;
  dispose(): Promise<void>;
}

export interface StoreTarget {
  name: 'elasticsearch' | 'embedded';
  create(suite: string): Promise<StoreUnderTest>;
}

const logger = pino({ level: process.env.LOGSHIP_TEST_LOG ?? 'silent' });

/** The real Elasticsearch of the test run, with an index prefix of its own. */
const elasticsearch: StoreTarget = {
  name: 'elasticsearch',
  async create(suite) {
    const prefix = `t-conf-${suite}-${process.pid}`;
    const store = new EsStore(
      {
        nodes: [testEsUrl()],
        indexPrefix: prefix,
        replicas: 0,
        bulkMaxEvents: 5000,
        bulkConcurrency: 2,
        bulkMaxQueued: 16,
        requestTimeoutMs: 30_000,
        searchTimeoutMs: 10_000,
        exactTotalUpTo: 1_000_000,
      },
      logger,
    );
    await store.init();
    return {
      store,
      async refresh() {
        const res = await fetch(`${testEsUrl()}/${prefix}-*/_refresh?allow_no_indices=true`, { method: 'POST' });
        if (!res.ok) throw new Error(`refresh failed: ${res.status} ${await res.text()}`);
      },
      async dispose() {
        await store.close();
        await deleteIndices(`${prefix}-*`);
      },
    };
  },
};

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
export const STORE_TARGETS: readonly StoreTarget[] = [elasticsearch, embedded];
