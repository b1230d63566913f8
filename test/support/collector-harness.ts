import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { IngestResult } from '../../protocol/ingest-result.js';
import { createToken } from '../../collector/auth/token-store.js';
import { collectorConfig } from '../../collector/config.js';
import { startCollector, type RunningCollector } from '../../collector/main.js';
import { deleteIndices, esTarget, refreshIndices, type EsTarget } from './elasticsearch.js';

/** A collector on the suite's real Elasticsearch, with its own index prefix, data dir and one token per scope. */
export interface TestCollector extends RunningCollector {
  dataDir: string;
  indexPrefix: string;
  tokens: { ingest: string; read: string; admin: string };
  /** The cluster it stores into. */
  target: EsTarget;
  /** Stops the collector, deletes its indices and its data dir. */
  dispose(): Promise<void>;
}

/**
 * Starts an in-process collector for a test suite on `target` (default: the plain Elasticsearch); `name` keeps its
 * indices apart from other suites'.
 */
export async function startTestCollector(
  name: string,
  overrides: Record<string, unknown> = {},
  target?: EsTarget,
): Promise<TestCollector> {
  const es = target ?? (await esTarget('plain'));
  const indexPrefix = `t-${name}-${process.pid}`;
  const dataDir = mkdtempSync(join(tmpdir(), `logship-${name}-`));
  const tokens = {
    ingest: createToken(dataDir, 'ingest', 'ingest'),
    read: createToken(dataDir, 'read', 'read'),
    admin: createToken(dataDir, 'admin', 'admin'),
  };
  const config = collectorConfig({
    listen: '127.0.0.1:0',
    data_dir: dataDir,
    elasticsearch: { ...es.settings, index_prefix: indexPrefix },
    ...overrides,
  });
  const logger = pino({ level: process.env.LOGSHIP_TEST_LOG ?? 'silent' });
  const running = await startCollector(config, logger);
  return {
    ...running,
    dataDir,
    indexPrefix,
    tokens,
    target: es,
    async dispose() {
      await running.stop();
      await deleteIndices(`${indexPrefix}-*`, es);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Makes everything written so far searchable now, instead of waiting for the 1 s refresh. */
export async function refresh(collector: TestCollector): Promise<void> {
  await refreshIndices(`${collector.indexPrefix}-*`, collector.target);
}

/** What `POST /api/v1/ingest` answered: the status, Retry-After and the JSON body (an IngestResult or an error). */
export interface IngestAnswer<T> {
  status: number;
  retryAfter: string | null;
  body: T;
}

/**
 * `POST /api/v1/ingest` of an NDJSON body, as any sender posts it: `token` as Bearer (undefined: no Authorization
 * header), `headers` added (e.g. `content-encoding: gzip`, another content type).
 */
export async function postIngest<T = IngestResult>(
  url: string,
  token: string | undefined,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<IngestAnswer<T>> {
  const res = await fetch(`${url}/api/v1/ingest`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-ndjson',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    // A copy as a plain Uint8Array: the browser tests' DOM typings take no Buffer as a fetch body.
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as T };
}

/** Sends events through `POST /api/v1/ingest` with the ingest token; throws unless the collector answers 200. */
export async function ingestEvents(collector: TestCollector, events: readonly object[]): Promise<IngestResult> {
  const answer = await postIngest(
    collector.url,
    collector.tokens.ingest,
    events.map((e) => JSON.stringify(e)).join('\n'),
  );
  if (answer.status !== 200) throw new Error(`ingest answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}
