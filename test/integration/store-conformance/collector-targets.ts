import { refresh, startTestCollector, type TestCollector } from '../../support/collector-harness.js';

/** A whole collector (HTTP API) on one store: what a sender or reader meets, the store chosen by config. */
export interface CollectorTarget {
  name: 'elasticsearch' | 'embedded';
  start(suite: string): Promise<TestCollector>;
  /** Makes writes searchable now (Elasticsearch refreshes every second; the embedded store shows them at once). */
  refresh(collector: TestCollector): Promise<void>;
}

/** Every store, behind the collector's HTTP API. */
export const COLLECTOR_TARGETS: readonly CollectorTarget[] = [
  { name: 'elasticsearch', start: (suite) => startTestCollector(suite), refresh },
  {
    name: 'embedded',
    // Without an `elasticsearch` section the collector chooses the embedded store in its data folder.
    start: (suite) => startTestCollector(`${suite}-embedded`, { elasticsearch: undefined }),
    refresh: async () => {},
  },
];
