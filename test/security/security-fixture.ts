/**
 * The attack matrix's collector: one per store and test file, on the real Elasticsearch or the embedded store, with
 * tokens of every scope (two ingest tokens, so one can attack while the other is the honest shipper), and a probe
 * that measures how long `/healthz` takes while an attack runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createToken } from '../../collector/auth/token-store.js';
import { collectorConfig } from '../../collector/config.js';
import { startCollector, type RunningCollector } from '../../collector/main.js';
import { deleteIndices, testEsUrl } from '../support/elasticsearch.js';
import { freePort, spawnLogship, stopProcess, waitFor } from '../support/processes.js';

export type StoreKind = 'embedded' | 'elasticsearch';
export const STORES: readonly StoreKind[] = ['embedded', 'elasticsearch'];

export interface SecurityCollector extends RunningCollector {
  store: StoreKind;
  dataDir: string;
  tokens: { ingest: string; attacker: string; read: string; admin: string };
  /** Makes written events searchable now (Elasticsearch refreshes every second; the embedded store at once). */
  refresh(): Promise<void>;
  dispose(): Promise<void>;
}

/** A data directory with one token per role, and the store section of the config (none: the embedded store). */
function prepare(store: StoreKind, name: string) {
  const dataDir = mkdtempSync(join(tmpdir(), `logship-sec-${name}-`));
  const prefix = `t-sec-${name}-${process.pid}`;
  const tokens = {
    ingest: createToken(dataDir, 'ingest', 'ingest'),
    attacker: createToken(dataDir, 'attacker', 'ingest'),
    read: createToken(dataDir, 'read', 'read'),
    admin: createToken(dataDir, 'admin', 'admin'),
  };
  const storeConfig = store === 'elasticsearch' ? { elasticsearch: { url: testEsUrl(), index_prefix: prefix } } : {};
  return { dataDir, prefix, tokens, storeConfig };
}

export async function startSecurityCollector(
  store: StoreKind,
  name: string,
  overrides: Record<string, unknown> = {},
): Promise<SecurityCollector> {
  const { dataDir, prefix, tokens, storeConfig } = prepare(store, name);
  const config = collectorConfig({
    listen: '127.0.0.1:0',
    data_dir: dataDir,
    ...storeConfig,
    ...overrides,
  });
  const running = await startCollector(config, pino({ level: process.env.LOGSHIP_TEST_LOG ?? 'silent' }));
  return {
    ...running,
    store,
    dataDir,
    tokens,
    async refresh() {
      if (store !== 'elasticsearch') return;
      const res = await fetch(`${testEsUrl()}/${prefix}-*/_refresh?allow_no_indices=true`, { method: 'POST' });
      if (!res.ok) throw new Error(`refresh failed: ${res.status} ${await res.text()}`);
    },
    async dispose() {
      await running.stop();
      if (store === 'elasticsearch') await deleteIndices(`${prefix}-*`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The same collector as its own process (`logship collector`, as users run it), for attacks whose client side is
 * heavy: in-process, the test's own clients would share the collector's thread and blur what `/healthz` measures.
 */
export async function spawnSecurityCollector(
  store: StoreKind,
  name: string,
  overrides: Record<string, unknown> = {},
): Promise<SecurityCollector> {
  const { dataDir, prefix, tokens, storeConfig } = prepare(store, name);
  const config = {
    ...storeConfig,
    ...overrides,
  };
  // JSON is YAML.
  writeFileSync(join(dataDir, 'collector.yml'), JSON.stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawnLogship(
    ['collector', '--config', join(dataDir, 'collector.yml')],
    { LOGSHIP_DATA_DIR: dataDir, LOGSHIP_LISTEN: `127.0.0.1:${port}`, LOGSHIP_ES_URL: '' },
    // In the data directory, which dispose() removes.
    join(dataDir, 'collector.log'),
  );
  await waitFor(
    'the collector to answer /readyz',
    async () => ((await fetch(`${url}/readyz`)).ok ? true : undefined),
    60_000,
  );
  return {
    url,
    store,
    dataDir,
    tokens,
    loginLink: () => {
      throw new Error('A spawned collector prints no login links.');
    },
    reloadTls: () => {
      throw new Error('A spawned collector serves plain HTTP.');
    },
    stop: async () => {
      await stopProcess(child);
    },
    async refresh() {
      if (store !== 'elasticsearch') return;
      const res = await fetch(`${testEsUrl()}/${prefix}-*/_refresh?allow_no_indices=true`, { method: 'POST' });
      if (!res.ok) throw new Error(`refresh failed: ${res.status} ${await res.text()}`);
    },
    async dispose() {
      await stopProcess(child);
      if (store === 'elasticsearch') await deleteIndices(`${prefix}-*`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** What the health probe saw: the slowest `/healthz` answer and how many answered. */
export interface HealthReport {
  maxMs: number;
  samples: number;
  failures: number;
}

/**
 * Asks `/healthz` every 100 ms while `attack` runs (and at least three times), and returns the attack's result with
 * the slowest answer. A probe that gets no answer within 5 s counts as a failure.
 */
export async function underHealthProbe<T>(url: string, attack: () => Promise<T>): Promise<[T, HealthReport]> {
  const report: HealthReport = { maxMs: 0, samples: 0, failures: 0 };
  const started = performance.now();
  let running = true;
  const probe = (async () => {
    while (running || report.samples < 3) {
      const started = performance.now();
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
        await res.text();
        if (res.status !== 200) report.failures++;
      } catch {
        report.failures++;
      }
      report.maxMs = Math.max(report.maxMs, performance.now() - started);
      report.samples++;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    return [await attack(), report];
  } finally {
    running = false;
    await probe;
    if (process.env.LOGSHIP_SECURITY_REPORT) {
      const name = expect.getState().currentTestName ?? '';
      const took = (performance.now() - started).toFixed(0);
      process.stderr.write(
        `${name}: attack ${took} ms, /healthz max ${report.maxMs.toFixed(0)} ms (${report.samples})\n`,
      );
    }
  }
}

/** A GET with a Bearer token, answering the status and the parsed JSON body. */
export async function getJson<T = Record<string, unknown>>(
  url: string,
  token: string | undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(url, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = { text };
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

/** NDJSON of `count` events made by `make(i)`. */
export function ndjson(count: number, make: (i: number) => object): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(JSON.stringify(make(i)));
  return lines.join('\n');
}

/** Posts `count` events in requests of `perRequest` through the honest ingest token; throws unless every one is 200. */
export async function ingestMany(
  collector: SecurityCollector,
  count: number,
  perRequest: number,
  make: (i: number) => object,
): Promise<{ accepted: number; duplicates: number; rejected: number }> {
  const sum = { accepted: 0, duplicates: 0, rejected: 0 };
  for (let start = 0; start < count; start += perRequest) {
    const n = Math.min(perRequest, count - start);
    const res = await fetch(`${collector.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${collector.tokens.ingest}` },
      body: ndjson(n, (i) => make(start + i)),
    });
    const body = (await res.json()) as { accepted: number; duplicates: number; rejected: number };
    if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${JSON.stringify(body)}`);
    sum.accepted += body.accepted;
    sum.duplicates += body.duplicates;
    sum.rejected += body.rejected;
  }
  return sum;
}
