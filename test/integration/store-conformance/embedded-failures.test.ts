import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { createApp, type CollectorApp } from '../../../collector/app.js';
import { createToken } from '../../../collector/auth/token-store.js';
import { collectorConfig } from '../../../collector/config.js';
import { EmbeddedStore } from '../../../collector/store/embedded/embedded-store.js';
import { postIngest } from '../../support/collector-harness.js';
import { mountTmpfs as mountTmpfsOn } from '../../support/tmpfs.js';

/**
 * The embedded store when its file or disk fails: the collector keeps running, ingest answers 503 with a
 * Retry-After (so shippers keep their data and retry), `/readyz` names the problem with a stable code, and the
 * store works again once the cause is gone. Disk-full and read-only cases mount a small tmpfs (the suite runs as
 * root, as CI does).
 */
const logger = pino({ level: process.env.LOGSHIP_TEST_LOG ?? 'silent' });

interface Running {
  url: string;
  token: string;
  app: CollectorApp;
  stop(): Promise<void>;
}

let root: string;
const mounts: (() => void)[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'logship-failures-'));
});
afterAll(() => {
  for (const unmount of mounts.reverse()) unmount();
  rmSync(root, { recursive: true, force: true });
});

function mountTmpfs(dir: string, options: string): void {
  const unmount = mountTmpfsOn(dir, options);
  mounts.push(unmount);
}

async function start(name: string, storeDir: string, lockTimeoutMs?: number): Promise<Running> {
  const dataDir = join(root, name);
  mkdirSync(dataDir, { recursive: true });
  const token = createToken(dataDir, 'admin', 'admin');
  const config = collectorConfig({ listen: '127.0.0.1:0', data_dir: dataDir });
  const store = new EmbeddedStore(
    { dir: storeDir, searchTimeoutMs: 5000, exactTotalUpTo: 1_000_000, ...(lockTimeoutMs ? { lockTimeoutMs } : {}) },
    logger,
  );
  const app = await createApp(config, logger, store);
  const server: Server = await new Promise((resolve) => {
    const s = app.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    app,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
    },
  };
}

async function ingest(run: Running, count: number, tag: string) {
  const lines = Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      id: `${tag}-${i}`,
      timestamp: new Date(Date.now() - 1000 + (i % 1000)).toISOString(),
      host: 'web-1',
      source: '/var/log/app.log',
      offset: i * 200,
      message: `${tag} request ${i} finished after ${i % 97} ms with a payload of ${'x'.repeat(120)}`,
    }),
  );
  return postIngest<{ accepted?: number; error?: { code: string; store_error?: string } }>(
    run.url,
    run.token,
    lines.join('\n') + '\n',
  );
}

async function readyz(run: Running) {
  const res = await fetch(`${run.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; problem?: { code: string } } };
}

async function total(run: Running, q: string): Promise<number> {
  const res = await fetch(`${run.url}/api/v1/search?from=now-1h&limit=1&q=${encodeURIComponent(q)}`, {
    headers: { authorization: `Bearer ${run.token}` },
  });
  return ((await res.json()) as { total: { value: number } }).total.value;
}

describe('the embedded store when its file or disk fails', () => {
  it('answers 503 STORE_CORRUPT for a damaged file and works again once it is replaced', async () => {
    const storeDir = join(root, 'corrupt-store');
    mkdirSync(storeDir, { recursive: true });
    writeFileSync(join(storeDir, 'events.db'), Buffer.alloc(64 * 1024, 0x5a));
    const run = await start('corrupt', storeDir);
    try {
      expect(await readyz(run)).toEqual({
        status: 503,
        body: {
          status: 'store_unavailable',
          problem: { code: 'STORE_CORRUPT', message: expect.stringContaining('damaged') },
        },
      });
      const refused = await ingest(run, 10, 'corrupt');
      expect(refused).toMatchObject({
        status: 503,
        retryAfter: '10',
        body: { error: { code: 'STORE_UNAVAILABLE', store_error: 'STORE_CORRUPT' } },
      });
      // The operator moves the damaged file away; the store opens a new one without a restart.
      rmSync(join(storeDir, 'events.db'));
      await new Promise((r) => setTimeout(r, 1100));
      expect((await readyz(run)).status).toBe(200);
      expect(await ingest(run, 10, 'corrupt')).toMatchObject({ status: 200, body: { accepted: 10 } });
      expect(await total(run, 'corrupt')).toBe(10);
    } finally {
      await run.stop();
    }
  });

  it('answers 503 STORE_LOCKED while another process holds the write lock, and stores everything after', async () => {
    const storeDir = join(root, 'locked-store');
    const run = await start('locked', storeDir, 300);
    const other = new Database(join(storeDir, 'events.db'));
    try {
      expect(await ingest(run, 20, 'before')).toMatchObject({ status: 200, body: { accepted: 20 } });
      other.exec('BEGIN EXCLUSIVE');
      const refused = await ingest(run, 20, 'locked');
      expect(refused).toMatchObject({
        status: 503,
        retryAfter: '2',
        body: { error: { code: 'STORE_UNAVAILABLE', store_error: 'STORE_LOCKED' } },
      });
      expect(await readyz(run)).toMatchObject({ status: 503, body: { problem: { code: 'STORE_LOCKED' } } });
      // Readers are not blocked by the lock: searches still answer.
      expect(await total(run, 'before')).toBe(20);
      other.exec('ROLLBACK');
      expect(await ingest(run, 20, 'locked')).toMatchObject({ status: 200, body: { accepted: 20 } });
      expect((await readyz(run)).status).toBe(200);
      expect(await total(run, 'locked')).toBe(20);
    } finally {
      other.close();
      await run.stop();
    }
  });

  it('answers 503 STORE_READ_ONLY for a read-only data folder', async () => {
    const storeDir = join(root, 'ro-store');
    mountTmpfs(storeDir, 'ro,size=1m');
    const run = await start('readonly', join(storeDir, 'store'));
    try {
      expect(await readyz(run)).toMatchObject({ status: 503, body: { problem: { code: 'STORE_READ_ONLY' } } });
      expect(await ingest(run, 5, 'ro')).toMatchObject({
        status: 503,
        body: { error: { code: 'STORE_UNAVAILABLE', store_error: 'STORE_READ_ONLY' } },
      });
    } finally {
      await run.stop();
    }
  });

  it('answers 503 STORE_DISK_FULL when the disk fills, and keeps every event it acknowledged', async () => {
    const storeDir = join(root, 'full-store');
    mountTmpfs(storeDir, 'size=3m');
    const run = await start('full', storeDir);
    try {
      let accepted = 0;
      let refused: Awaited<ReturnType<typeof ingest>> | undefined;
      for (let batch = 0; batch < 200 && !refused; batch++) {
        const res = await ingest(run, 500, `full${batch}`);
        if (res.status === 200) accepted += res.body.accepted ?? 0;
        else refused = res;
      }
      expect(refused).toMatchObject({
        status: 503,
        body: { error: { code: 'STORE_UNAVAILABLE', store_error: 'STORE_DISK_FULL' } },
      });
      expect(accepted).toBeGreaterThan(1000);
      expect(await readyz(run)).toMatchObject({ status: 503, body: { problem: { code: 'STORE_DISK_FULL' } } });
      expect(await total(run, 'request')).toBe(accepted);
      // The disk grows (space freed): ready again without a restart, and the refused batch goes in on retry.
      execFileSync('mount', ['-o', 'remount,size=16m', storeDir]);
      expect((await readyz(run)).status).toBe(200);
      const retried = await ingest(run, 500, 'retried');
      expect(retried).toMatchObject({ status: 200, body: { accepted: 500 } });
      expect(await total(run, 'request')).toBe(accepted + 500);
    } finally {
      await run.stop();
    }
  });
});
