import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createToken } from '../../../collector/auth/token-store.js';
import { collectorConfig } from '../../../collector/config.js';
import { startCollector, type RunningCollector } from '../../../collector/main.js';
import { postIngest } from '../../support/collector-harness.js';

let dataDir: string;
let collector: RunningCollector;
let token: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'logship-embedded-collector-'));
  token = createToken(dataDir, 'admin', 'admin');
  // No `elasticsearch` section: the collector must choose the embedded store on its own.
  collector = await startCollector(
    collectorConfig({ listen: '127.0.0.1:0', data_dir: dataDir }),
    pino({ level: process.env.LOGSHIP_TEST_LOG ?? 'silent' }),
  );
});
afterAll(async () => {
  await collector?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a collector without Elasticsearch', () => {
  it('stores into <data_dir>/store and finds events right after the ingest answer', async () => {
    expect(existsSync(join(dataDir, 'store', 'events.db'))).toBe(true);
    expect((await fetch(`${collector.url}/readyz`)).status).toBe(200);
    const now = Date.now();
    const body = [
      { id: 'e-1', timestamp: new Date(now - 3000).toISOString(), host: 'web-1', message: 'GET /orders 200' },
      { id: 'e-2', timestamp: new Date(now - 2000).toISOString(), host: 'web-2', message: 'GET /orders 500' },
      {
        id: 'e-3',
        timestamp: new Date(now - 1000).toISOString(),
        host: 'web-1',
        level: 'error',
        message: 'upstream timed out',
      },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    const post = () =>
      postIngest(collector.url, token, body).then(({ status, body: answer }) => ({ status, body: answer }));
    expect(await post()).toEqual({ status: 200, body: { accepted: 3, duplicates: 0, rejected: 0, errors: [] } });
    expect(await post()).toEqual({ status: 200, body: { accepted: 0, duplicates: 3, rejected: 0, errors: [] } });

    const search = await fetch(`${collector.url}/api/v1/search?q=orders&host=web-1&host=web-2&from=now-1m`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const result = (await search.json()) as { hits: { id: string }[]; total: unknown; next_cursor: unknown };
    expect(search.status).toBe(200);
    expect(result.hits.map((h) => h.id)).toEqual(['e-2', 'e-1']);
    expect(result.total).toEqual({ value: 2, relation: 'eq' });
    expect(result.next_cursor).toBeNull();

    const histogram = await fetch(`${collector.url}/api/v1/histogram?from=now-1m&interval=1m&by=level`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const buckets = ((await histogram.json()) as { buckets: { count: number; by: Record<string, number> }[] }).buckets;
    expect(buckets.reduce((s, b) => s + b.count, 0)).toBe(3);
  });
});
