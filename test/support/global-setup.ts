/**
 * Jest globalSetup: one real Elasticsearch for the whole suite (CONTRACT §7). It honours LOGSHIP_TEST_ES_URL when
 * set; otherwise it starts a single-node server on port 19200 with fresh data in the temp folder (or reuses one that
 * already answers there), and hands the URL to the tests through LOGSHIP_TEST_ES_URL. It never skips: a server
 * that cannot start fails the run with the reason.
 */
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '@jest/types';
import type { RunningElasticsearch } from '../../scripts/es/es-process.js';

/** Away from a developer's `npm run es:start` on 9200. */
const PORT = 19200;
/** Where global-teardown (same process) finds what this setup started. */
export const HARNESS = Symbol.for('logship.test-elasticsearch');
/** Where global-teardown finds the check that the whole run left the checkout as it was (working-tree.ts). */
export const WORKING_TREE = Symbol.for('logship.test-working-tree');

export interface Harness {
  es: RunningElasticsearch;
  dataDir: string;
}

export default async function globalSetup(globalConfig: Config.GlobalConfig): Promise<void> {
  // Only a whole run (npm test): while a developer runs a few tests, they may well be editing files meanwhile.
  if (!globalConfig.testPathPatterns.isSet() && !globalConfig.testNamePattern) {
    const { watchWorkingTree } = (await importEsLocal()).workingTree;
    (globalThis as Record<symbol, unknown>)[WORKING_TREE] = watchWorkingTree(globalConfig.rootDir);
  }
  // Clusters started by this run, in this process or a worker, are stopped by this process's teardown.
  process.env.LOGSHIP_TEST_RUN = String(process.pid);
  await plainElasticsearch();
  // The whole suite (`npm test`): the secured node and the 3-node cluster boot while the first tests run. A run of
  // chosen files starts them only if one of its tests asks for them. Not before the plain one is there: a setup
  // that fails runs no teardown, which would leave them running.
  if (process.env.npm_lifecycle_event === 'test') (await importEsLocal()).shared.prestartSharedElasticsearch();
}

/** The plain single node on 19200 (started, or reused when one answers there). */
async function plainElasticsearch(): Promise<void> {
  if (process.env.LOGSHIP_TEST_ES_URL) {
    console.error(`\nUsing Elasticsearch at ${process.env.LOGSHIP_TEST_ES_URL} (LOGSHIP_TEST_ES_URL).`);
    return;
  }
  const { startElasticsearch } = (await importEsLocal()).process;
  const dataDir = join(tmpdir(), 'logship-test-es');
  const started = Date.now();
  let es: RunningElasticsearch;
  try {
    es = await startElasticsearch({ port: PORT, dataDir, fresh: true });
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new Error(`The tests need a real Elasticsearch and it could not start (${code}): ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (es.reused) {
    // Another run's server (concurrent, or left by a killed run): its owner stops it, so our teardown must not.
    console.error(
      `\nReusing the Elasticsearch already at ${es.url}; it is left running ` +
        `(stop it with: node bin/logship-es.js stop --data-dir ${dataDir}).`,
    );
    process.env.LOGSHIP_TEST_ES_URL = es.url;
    return;
  }
  console.error(
    `\nElasticsearch for the tests at ${es.url} (started in ${((Date.now() - started) / 1000).toFixed(1)} s).`,
  );
  process.env.LOGSHIP_TEST_ES_URL = es.url;
  (globalThis as Record<symbol, unknown>)[HARNESS] = { es, dataDir } satisfies Harness;
}

/**
 * Jest loads globalSetup as CommonJS through its transformer but without `moduleNameMapper`, so the `.js`
 * specifiers that NodeNext requires (`../protocol/coded-error.js`) would not resolve to the `.ts` sources. While
 * these modules load, a relative `x.js` that does not exist falls back to `x.ts`.
 */
export async function importEsLocal(): Promise<{
  process: typeof import('../../scripts/es/es-process.js');
  shared: typeof import('./shared-elasticsearch.js');
  workingTree: typeof import('./working-tree.js');
}> {
  type Resolve = (this: unknown, request: unknown, ...rest: unknown[]) => string;
  const loader = Module as unknown as { _resolveFilename: Resolve };
  const original = loader._resolveFilename;
  loader._resolveFilename = function (request, ...rest) {
    try {
      return original.call(this, request, ...rest);
    } catch (err) {
      if (typeof request !== 'string' || !/^\.\.?\/.*\.js$/.test(request)) throw err;
      return original.call(this, `${request.slice(0, -3)}.ts`, ...rest);
    }
  };
  try {
    return {
      process: await import('../../scripts/es/es-process.js'),
      shared: await import('./shared-elasticsearch.js'),
      workingTree: await import('./working-tree.js'),
    };
  } finally {
    loader._resolveFilename = original;
  }
}
