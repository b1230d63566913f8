/**
 * Jest globalTeardown: stops the Elasticsearch that global-setup started (none when LOGSHIP_TEST_ES_URL was given)
 * and the secured node and 3-node cluster this run started.
 */
import { rm } from 'node:fs/promises';
import type { Harness } from './global-setup.js';

// Not imported from global-setup: jest loads this file without moduleNameMapper, so only type imports resolve.
const HARNESS = Symbol.for('logship.test-elasticsearch');

export default async function globalTeardown(): Promise<void> {
  // By a computed name: this file is loaded as CommonJS without moduleNameMapper, where `./global-setup.js` is absent.
  const setup = './global-setup' + '.ts';
  const { importEsLocal } = (await import(setup)) as typeof import('./global-setup.js');
  await (await importEsLocal()).shared.stopSharedElasticsearch();
  const slot = globalThis as Record<symbol, unknown>;
  const harness = slot[HARNESS] as Harness | undefined;
  if (!harness) return;
  delete slot[HARNESS];
  await harness.es.stop();
  await rm(harness.dataDir, { recursive: true, force: true });
}
