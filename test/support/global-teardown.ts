/**
 * Jest globalTeardown: stops the Elasticsearch that global-setup started (none when LOGSHIP_TEST_ES_URL was given)
 * and the secured node and 3-node cluster this run started, then fails the run if it changed files of the checkout
 * (whole runs only).
 */
import { rm } from 'node:fs/promises';
import type { Harness } from './global-setup.js';

// Not imported from global-setup: jest loads this file without moduleNameMapper, so only type imports resolve.
const HARNESS = Symbol.for('logship.test-elasticsearch');
const WORKING_TREE = Symbol.for('logship.test-working-tree');

export default async function globalTeardown(): Promise<void> {
  const slot = globalThis as Record<symbol, unknown>;
  const checkWorkingTree = slot[WORKING_TREE] as (() => void) | undefined;
  delete slot[WORKING_TREE];
  // By a computed name: this file is loaded as CommonJS without moduleNameMapper, where `./global-setup.js` is absent.
  const setup = './global-setup' + '.ts';
  const { importEsLocal } = (await import(setup)) as typeof import('./global-setup.js');
  await (await importEsLocal()).shared.stopSharedElasticsearch();
  const harness = slot[HARNESS] as Harness | undefined;
  if (harness) {
    delete slot[HARNESS];
    await harness.es.stop();
    await rm(harness.dataDir, { recursive: true, force: true });
  }
  checkWorkingTree?.();
}
