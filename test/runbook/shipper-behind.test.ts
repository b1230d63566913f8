import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceStatus } from '../../protocol/status.js';
import { Pipeline } from '../support/pipeline-harness.js';
import { runLogship, waitFor } from '../support/processes.js';
import { appendTimedLines, auditSequence } from '../support/sequence-log.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const TOTAL = 30_000;
const HOST = 'behind-1';

/**
 * docs/runbook.md, "A shipper falls behind": the shipper's link to the collector carries 40 KB/s while its
 * application writes 30,000 lines at once. The operator sees the host lagging in `logship status` and /metrics (bytes
 * not yet shipped, lines stored long after they were read); once the bottleneck is gone the shipper catches up by
 * itself, every line stored once.
 */
describe('runbook: a shipper falls behind', () => {
  it('shows the host lagging with its backlog, and catches up once the link is fast again', async () => {
    const p = new Pipeline('shipper-behind', 'embedded', undefined, {
      monitoring: { lagging_after: '5s', lagging_backlog: '256KiB' },
    });
    let proxy: TcpProxy | undefined;
    try {
      await p.startCollector();
      // The shipper's path to the collector, throttled to 40 KB/s like a saturated link.
      proxy = new TcpProxy({ host: '127.0.0.1', port: Number(new URL(p.url).port) });
      await proxy.start();
      proxy.throttle(40_000);
      const logs = join(p.dir, 'logs');
      mkdirSync(logs);
      const file = join(logs, 'app.log');
      await p.startShipper(HOST, [file], {
        collectors: [proxy.url],
        heartbeat_interval: '1s',
        batch: { max_events: 1000, max_bytes: '1MiB', max_wait: '200ms' },
      });
      await appendTimedLines(file, 0, TOTAL, 2000, 5);

      const env = { LOGSHIP_COLLECTOR_URL: p.url, LOGSHIP_TOKEN: p.tokens.read };
      const status = async () => JSON.parse((await runLogship(['status', '--json'], env)).stdout) as ServiceStatus;
      // What the operator sees: the host in the lagging list, its backlog in /metrics.
      const lagging = await waitFor(
        'the host to be listed as lagging',
        async () => (await status()).hosts?.lagging.find((h) => h.host === HOST),
        60_000,
        500,
      );
      const seenAt = Date.now();
      expect(lagging.backlog_bytes ?? 0).toBeGreaterThan(256 * 1024);
      const metrics = await fetch(`${p.url}/metrics`).then((r) => r.text());
      const backlog = Number(
        new RegExp(`^logship_collector_host_backlog_bytes\\{host="${HOST}"\\} (\\d+)`, 'm').exec(metrics)?.[1],
      );
      expect(backlog).toBeGreaterThan(256 * 1024);
      const text = await runLogship(['status'], env);
      expect(text.stdout).toMatch(new RegExp(`^ {2}lagging {4}${HOST} {2}.*not yet shipped`, 'm'));
      const storedWhileBehind = (await p.search({ from: 'now-1h', limit: '1' })).total.value;
      expect(storedWhileBehind).toBeLessThan(TOTAL);

      // The runbook's fix for a slow path: take the bottleneck away. The shipper catches up by itself.
      proxy.unthrottle();
      const fixedAt = Date.now();
      const reached = await p.waitForTotal(TOTAL, 120_000).catch((err: unknown) => String(err));
      const caughtUpMs = Date.now() - fixedAt;
      const clear = await waitFor(
        'the host to leave the lagging list',
        async () => {
          const s = await status();
          return s.hosts && s.hosts.lagging_count === 0 ? s : undefined;
        },
        30_000,
        500,
      );
      const clearMs = Date.now() - fixedAt;
      expect(clear.hosts!.silent_count).toBe(0);
      const audit = auditSequence(await p.searchAll({ from: 'now-1h', order: 'asc' }), TOTAL);
      expect(audit).toEqual({ events: TOTAL, distinct: TOTAL, duplicates: 0, gaps: 0 });
      expect(reached).toBe(TOTAL);
      console.log(
        `shipper behind: lagging seen with ${lagging.backlog_bytes} bytes not shipped and ${storedWhileBehind} of ` +
          `${TOTAL} lines stored (${Date.now() - seenAt} ms later fixed); all stored ${caughtUpMs} ms after the fix, ` +
          `off the lagging list after ${clearMs} ms; ${audit.duplicates} duplicates, ${audit.gaps} lost`,
      );
    } finally {
      await proxy?.stop();
      await p.dispose();
    }
  }, 300_000);
});
