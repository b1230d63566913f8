import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEsUrl } from '../support/elasticsearch.js';
import { Pipeline } from '../support/pipeline-harness.js';
import { runLogship, waitFor } from '../support/processes.js';
import { appendTimedLines, auditSequence } from '../support/sequence-log.js';
import { mountTmpfs } from '../support/tmpfs.js';

const TOTAL = 12_000;

/** A value of collector /metrics: the sum of the series of `name` whose labels contain `match`. */
async function metric(url: string, name: string, match = ''): Promise<number> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  let sum = 0;
  for (const line of text.split('\n')) {
    if ((line.startsWith(`${name} `) || line.startsWith(`${name}{`)) && line.includes(match))
      sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

/** Waits until /readyz answers 503 and returns the problem it names. */
function notReady(p: Pipeline): Promise<{ problem?: { code: string } }> {
  return waitFor(
    '/readyz to report the full disk',
    async () => {
      const res = await fetch(`${p.url}/readyz`);
      return res.status === 503 ? ((await res.json()) as { problem?: { code: string } }) : undefined;
    },
    120_000,
    200,
  );
}

/**
 * After space was freed at `freedAt`: ready again without a restart, every line stored once. Returns the times and
 * the audit.
 */
async function recovery(p: Pipeline, freedAt: number) {
  await waitFor(
    '/readyz to be ready',
    async () => ((await fetch(`${p.url}/readyz`)).ok ? true : undefined),
    30_000,
    100,
  );
  const readyAfterMs = Date.now() - freedAt;
  const reached = await p.waitForTotal(TOTAL, 120_000).catch((err: unknown) => String(err));
  const allStoredAfterMs = Date.now() - freedAt;
  const audit = auditSequence(await p.searchAll({ from: 'now-1h', order: 'asc' }), TOTAL);
  expect(audit).toEqual({ events: TOTAL, distinct: TOTAL, duplicates: 0, gaps: 0 });
  expect(reached).toBe(TOTAL);
  return { readyAfterMs, allStoredAfterMs, audit };
}

/**
 * docs/runbook.md, "The store's disk fills": the embedded store's disk is a small tmpfs, which something else (a
 * ballast file standing for old backups, core dumps, another program's logs) shares. The collector answers 503 with
 * STORE_DISK_FULL and says so in /readyz, /metrics and `logship status`; the operator frees the space and the
 * collector is ready again by itself; the shipper's lines all arrive, once.
 */
describe('runbook: the store disk fills', () => {
  it('answers 503 STORE_DISK_FULL while full, recovers without a restart once space is freed, loses nothing', async () => {
    const p = new Pipeline('disk-full', 'embedded', undefined, { search: { host_silent_after: '1h' } });
    const unmount = mountTmpfs(join(p.collectorDataDir, 'store'), 'size=32m');
    try {
      // What else lives on the volume: 26 MiB the operator can delete.
      const ballast = join(p.collectorDataDir, 'store', 'old-backup.tar');
      writeFileSync(ballast, Buffer.alloc(26 * 1024 * 1024, 1));
      await p.startCollector();
      const logs = join(p.dir, 'logs');
      mkdirSync(logs);
      const file = join(logs, 'app.log');
      await p.startShipper('disk-1', [file], { batch: { max_events: 500, max_bytes: '1MiB', max_wait: '200ms' } });
      const writing = appendTimedLines(file, 0, TOTAL, 500);

      // What the operator sees.
      const ready = await notReady(p);
      const fullAt = Date.now();
      expect(ready.problem?.code).toBe('STORE_DISK_FULL');
      expect(await metric(p.url, 'logship_collector_store_ready')).toBe(0);
      expect(await metric(p.url, 'logship_collector_store_problem', 'code="STORE_DISK_FULL"')).toBe(1);
      await waitFor(
        'a refused write',
        async () =>
          (await metric(p.url, 'logship_collector_error_answers_total', 'status="503",code="STORE_UNAVAILABLE"')) > 0
            ? true
            : undefined,
        30_000,
      );
      const status = await runLogship(['status'], { LOGSHIP_COLLECTOR_URL: p.url, LOGSHIP_TOKEN: p.tokens.read });
      expect(status.code).toBe(1);
      expect(status.stdout).toMatch(/^store {8}embedded, NOT READY: STORE_DISK_FULL /m);
      const storedWhileFull = (await p.search({ from: 'now-1h', limit: '1' })).total.value;
      expect(storedWhileFull).toBeGreaterThan(0);
      expect(storedWhileFull).toBeLessThan(TOTAL);

      // The runbook's fix: free space on the volume. The collector notices by itself (no restart).
      await writing;
      rmSync(ballast);
      const freedAt = Date.now();
      const { readyAfterMs, allStoredAfterMs, audit } = await recovery(p, freedAt);
      expect(await metric(p.url, 'logship_collector_store_ready')).toBe(1);
      expect(await metric(p.url, 'logship_collector_store_problem')).toBe(0);
      console.log(
        `disk full: ${storedWhileFull} of ${TOTAL} lines stored when the disk filled (full for ${freedAt - fullAt} ms); ` +
          `ready ${readyAfterMs} ms after space was freed, all ${TOTAL} stored ${allStoredAfterMs} ms after; ` +
          `${audit.duplicates} duplicates, ${audit.gaps} lost`,
      );
    } finally {
      // Lazily: the collector may still hold the store open until dispose() ends it.
      unmount();
      await p.dispose();
    }
  }, 300_000);

  it('with Elasticsearch: answers 503 STORE_DISK_FULL while its indices carry the flood-stage block, loses nothing', async () => {
    const p = new Pipeline('es-disk-full');
    try {
      await p.startCollector();
      const logs = join(p.dir, 'logs');
      mkdirSync(logs);
      const file = join(logs, 'app.log');
      await p.startShipper('esdisk-1', [file], { batch: { max_events: 500, max_bytes: '1MiB', max_wait: '200ms' } });
      const firstHalf = appendTimedLines(file, 0, TOTAL / 2, 500);
      await waitFor(
        'lines to be stored',
        async () => ((await p.search({ from: 'now-1h', limit: '1' })).total.value >= 2000 ? true : undefined),
        60_000,
      );
      // What Elasticsearch does itself when a data node's disk passes the flood-stage watermark (95 %).
      const block = (value: boolean | null) =>
        fetch(`${testEsUrl()}/${p.indexPrefix}-*/_settings`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ 'index.blocks.read_only_allow_delete': value }),
        }).then((r) => r.status);
      expect(await block(true)).toBe(200);
      const blockedAt = Date.now();
      await firstHalf;
      const secondHalf = appendTimedLines(file, TOTAL / 2, TOTAL, 500);
      const ready = await notReady(p);
      expect(ready.problem?.code).toBe('STORE_DISK_FULL');
      expect(await metric(p.url, 'logship_collector_store_problem', 'code="STORE_DISK_FULL"')).toBe(1);
      const status = await runLogship(['status'], { LOGSHIP_COLLECTOR_URL: p.url, LOGSHIP_TOKEN: p.tokens.read });
      expect(status.code).toBe(1);
      expect(status.stdout).toMatch(
        /^store {8}elasticsearch, NOT READY: STORE_DISK_FULL Elasticsearch refuses writes/m,
      );
      await secondHalf;
      const storedWhileFull = (await p.search({ from: 'now-1h', limit: '1' })).total.value;
      expect(storedWhileFull).toBeLessThan(TOTAL);

      // Space freed on the Elasticsearch nodes: Elasticsearch lifts the block itself below the high watermark; the
      // runbook's command does it at once.
      expect(await block(null)).toBe(200);
      const freedAt = Date.now();
      const { readyAfterMs, allStoredAfterMs, audit } = await recovery(p, freedAt);
      console.log(
        `Elasticsearch disk full: ${storedWhileFull} of ${TOTAL} lines stored while blocked ` +
          `(${freedAt - blockedAt} ms); ready ${readyAfterMs} ms after the block was lifted, all ${TOTAL} stored ` +
          `${allStoredAfterMs} ms after; ${audit.duplicates} duplicates, ${audit.gaps} lost`,
      );
    } finally {
      await p.dispose();
    }
  }, 300_000);
});
