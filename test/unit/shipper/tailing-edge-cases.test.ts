import { appendFileSync, copyFileSync, linkSync, renameSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ShipperConfig } from '../../../shipper/config.js';
import { startShipper, type RunningShipper } from '../../../shipper/shipper.js';
import { startFakeCollector, type FakeCollector } from '../../support/fake-collector.js';
import { closeTestbed, edgeCaseConfig, FAST_TIMINGS, openTestbed, testLogger } from '../../support/shipper-testbed.js';
import { appendLines, auditSequence, logLine, logLines } from '../../support/sequence-log.js';

const logger = testLogger;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('tailing that survives rotation, truncation and outages', () => {
  let dir: string;
  let logs: string;
  let collector: FakeCollector;
  let shipper: RunningShipper | undefined;

  function configFor(extra: Record<string, unknown> = {}, paths = [join(logs, '*.log')]): ShipperConfig {
    return edgeCaseConfig({ dir, logs, collector }, extra, paths);
  }

  async function restart(config: ShipperConfig): Promise<void> {
    await shipper?.stop();
    shipper = await startShipper(config, logger, FAST_TIMINGS);
  }

  const stored = () => collector.events.values();

  beforeEach(async () => {
    ({ dir, logs, collector } = await openTestbed('logship-edge-'));
  });

  afterEach(async () => {
    await closeTestbed({ dir, collector }, shipper);
    shipper = undefined;
  });

  it('ships new content that starts with the same first line after a truncation (a new generation)', async () => {
    const file = join(logs, 'app.log');
    const header = '=== service orders started, build 4.2.1 ===\n';
    writeFileSync(file, header + logLines(0, 300));
    shipper = await startShipper(configFor(), logger, FAST_TIMINGS);
    await collector.waitFor(() => collector.events.size >= 301, 10_000, '301 events');
    // Truncate, then the same header and fewer lines: same fingerprint, same offsets as before.
    truncateSync(file, 0);
    await sleep(300);
    appendFileSync(file, header + logLines(300, 400));
    await collector.waitFor(() => collector.events.size >= 402, 10_000, '402 events');
    await sleep(300);
    expect(collector.events.size).toBe(402);
    expect(auditSequence(stored(), 400)).toEqual({ events: 400, distinct: 400, duplicates: 0, gaps: 0 });
    expect([...stored()].filter((e) => e.message.startsWith('=== service')).length).toBe(2);
    expect(await shipper.metrics.registry.getSingleMetricAsString('logship_shipper_file_truncations_total')).toMatch(
      /reason="size below the read position"} 1/,
    );
  });

  it('notices a truncation that regrew past the old offset between two looks, and keeps its ids after a restart', async () => {
    const file = join(logs, 'app.log');
    const header = '=== service orders started ===\n';
    writeFileSync(file, header + logLines(0, 100));
    shipper = await startShipper(configFor(), logger, FAST_TIMINGS);
    await collector.waitFor(() => collector.events.size >= 101, 10_000, '101 events');
    // In one go: cut to zero and write more than before, so the size never looks smaller.
    writeFileSync(file, header + logLines(100, 350));
    await collector.waitFor(() => collector.events.size >= 352, 10_000, '352 events');
    await sleep(300);
    expect(auditSequence(stored(), 350)).toEqual({ events: 350, distinct: 350, duplicates: 0, gaps: 0 });
    // A restart resumes the same generation: nothing new is stored, nothing is sent again.
    const received = collector.counters.received;
    await restart(configFor());
    appendFileSync(file, logLines(350, 360));
    await collector.waitFor(() => collector.events.size >= 362, 10_000, '362 events');
    await sleep(300);
    expect(collector.events.size).toBe(362);
    expect(collector.counters.received - received).toBe(10);
  });

  it('reads a file truncated and rewritten while the batcher held its reader back as new content from its start', async () => {
    const file = join(logs, 'app.log');
    // The collector is down, so the reader stops in the middle of the file once max_in_flight batches wait.
    await collector.down();
    writeFileSync(file, logLines(0, 20_000));
    shipper = await startShipper(configFor(), logger, FAST_TIMINGS);
    const linesRead = async (): Promise<number> => {
      const text = await shipper!.metrics.registry.getSingleMetricAsString('logship_shipper_lines_read_total');
      return [...text.matchAll(/} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    };
    let before = -1;
    await collector.waitFor(
      async () => {
        const now = await linesRead();
        const held = now > 0 && now === before;
        before = now;
        return held;
      },
      10_000,
      'the reader held back',
    );
    expect(before).toBeLessThan(20_000);
    // Truncated and written again in one go, longer than where the reader stopped: the size never looks smaller.
    writeFileSync(file, logLines(20_000, 45_000));
    await collector.up();
    const fresh = () => [...stored()].filter((e) => Number(/seq=(\d+)/.exec(e.message)?.[1]) >= 20_000).length;
    await collector.waitFor(() => fresh() >= 25_000, 20_000, '25000 lines of the new content');
    await sleep(300);
    const events = [...stored()];
    // Every line of the new content once; of the old content, the lines read before the truncation, from the first.
    const old = events.length - 25_000;
    expect(old).toBeGreaterThan(0);
    expect(auditSequence(events, old)).toEqual({
      events: old + 25_000,
      distinct: old + 25_000,
      duplicates: 0,
      gaps: 0,
    });
    const seqs = new Set(events.map((e) => Number(/seq=(\d+)/.exec(e.message)?.[1])));
    expect(Array.from({ length: 25_000 }, (_, i) => i + 20_000).filter((seq) => !seqs.has(seq))).toEqual([]);
    // No line joined bytes of the old and the new content.
    expect(
      events.filter(
        (e) => !/^\S+ INFO \[app\] seq=\d{6} GET \/api\/orders\/\d+ status=\d+ duration_ms=\d+$/.test(e.message),
      ),
    ).toEqual([]);
    expect(await shipper.metrics.registry.getSingleMetricAsString('logship_shipper_file_truncations_total')).toMatch(
      /reason="content before the read position changed"} 1/,
    );
    // A restart finds the new content acknowledged to its end: nothing is sent again.
    const received = collector.counters.received;
    await restart(configFor());
    await sleep(500);
    expect([collector.counters.received - received, collector.events.size]).toEqual([0, old + 25_000]);
  });

  it('records the old content as the tail of offsets acknowledged after the file was rewritten', async () => {
    const file = join(logs, 'app.log');
    const oldContent = logLines(0, 20_000);
    const first = logLines(0, 2_000);
    writeFileSync(file, first);
    shipper = await startShipper(configFor(), logger, FAST_TIMINGS);
    await collector.waitFor(() => collector.events.size >= 2_000, 10_000, '2000 events');
    await sleep(300);
    // Then the collector reads batches but answers none: max_in_flight batches wait, the reader stops mid-file.
    collector.hold();
    appendFileSync(file, oldContent.slice(first.length));
    await collector.waitFor(() => collector.held >= 2, 10_000, 'two batches in flight');
    await sleep(300);
    // Rewritten in one go while those batches wait; their acknowledgements land before any read notices it.
    writeFileSync(file, logLines(20_000, 45_000));
    collector.release();
    const fresh = () => [...stored()].filter((e) => Number(/seq=(\d+)/.exec(e.message)?.[1]) >= 20_000).length;
    await collector.waitFor(() => fresh() >= 25_000, 20_000, '25000 lines of the new content');
    await shipper.stop();
    shipper = undefined;
    const registry = JSON.parse(await readFile(join(dir, 'data', 'registry.json'), 'utf8')) as {
      files: { offset: number; tail?: string; retired_at?: number }[];
    };
    const old = registry.files.filter((e) => e.retired_at !== undefined);
    expect(old).toHaveLength(1);
    // The old generation ends at an offset acknowledged before the rewrite, with the old content's bytes as its
    // tail. A tail read from the new content would let a restart resume the new content at the old offset, and
    // would hide that a copy of the old content was already sent.
    const { offset, tail } = old[0]!;
    expect(offset).toBeGreaterThanOrEqual(first.length);
    expect(oldContent[offset - 1]).toBe('\n');
    expect(Buffer.from(tail ?? '', 'base64').toString()).toBe(oldContent.slice(offset - 32, offset));
  });

  it('gives a file truncated while the shipper was stopped a new generation', async () => {
    const file = join(logs, 'app.log');
    const header = '--- log opened ---\n';
    writeFileSync(file, header + logLines(0, 200));
    shipper = await startShipper(configFor(), logger, FAST_TIMINGS);
    await collector.waitFor(() => collector.events.size >= 201, 10_000, '201 events');
    await shipper.stop();
    shipper = undefined;
    // Same header, longer than the old offset: only the bytes before the offset tell it is new content.
    writeFileSync(file, header + logLines(200, 500));
    shipper = await startShipper(configFor(), logger, FAST_TIMINGS);
    await collector.waitFor(() => collector.events.size >= 502, 10_000, '502 events');
    await sleep(300);
    expect(auditSequence(stored(), 500)).toEqual({ events: 500, distinct: 500, duplicates: 0, gaps: 0 });
    expect(collector.counters.duplicates).toBe(0);
  });

  it('never reads a renamed file twice when the rotated name matches the glob too', async () => {
    const file = join(logs, 'app.log');
    shipper = await startShipper(configFor({}, [join(logs, 'app.log*')]), logger, FAST_TIMINGS);
    await appendLines(file, 0, 1000);
    for (let r = 1; r <= 3; r++) {
      // logrotate `create`: shift the old generations up, then the live file, then a new empty one.
      for (let k = r - 1; k >= 1; k--) renameSync(`${file}.${k}`, `${file}.${k + 1}`);
      renameSync(file, `${file}.1`);
      appendFileSync(`${file}.1`, logLine(r * 1000, 'late'));
      writeFileSync(file, '');
      await appendLines(file, r * 1000 + 1, (r + 1) * 1000);
    }
    await collector.waitFor(() => collector.events.size >= 4000, 15_000, '4,000 events');
    await sleep(500);
    expect(auditSequence(stored(), 4000)).toEqual({ events: 4000, distinct: 4000, duplicates: 0, gaps: 0 });
    expect(collector.counters.received).toBe(4000);
  });

  it('ships a copytruncate copy made while the shipper was down from where shipping stopped, without repeats', async () => {
    const file = join(logs, 'app.log');
    shipper = await startShipper(configFor({}, [join(logs, 'app.log*')]), logger, FAST_TIMINGS);
    await appendLines(file, 0, 1000);
    await collector.waitFor(() => collector.events.size >= 1000, 10_000, '1,000 events');
    await shipper.stop();
    shipper = undefined;
    // Written while the shipper is down, then rotated by copy + truncate: these exist only in the copy.
    appendFileSync(file, logLines(1000, 1300));
    copyFileSync(file, `${file}.1`);
    truncateSync(file, 0);
    appendFileSync(file, logLines(1300, 1500));
    shipper = await startShipper(configFor({}, [join(logs, 'app.log*')]), logger, FAST_TIMINGS);
    await collector.waitFor(() => collector.events.size >= 1500, 10_000, '1,500 events');
    await sleep(500);
    expect(auditSequence(stored(), 1500)).toEqual({ events: 1500, distinct: 1500, duplicates: 0, gaps: 0 });
    // The copy continued at the committed offset: only the 300 unsent lines and the 200 new ones were sent.
    expect(collector.counters.received).toBe(1500);
  });

  it('ships a copytruncate copy seen while running exactly once', async () => {
    const file = join(logs, 'app.log');
    shipper = await startShipper(configFor({}, [join(logs, 'app.log*')]), logger, FAST_TIMINGS);
    let next = 0;
    for (let r = 1; r <= 3; r++) {
      await appendLines(file, next, next + 700);
      next += 700;
      await sleep(150);
      copyFileSync(file, `${file}.${r}`);
      truncateSync(file, 0);
    }
    await appendLines(file, next, next + 300);
    next += 300;
    await collector.waitFor(() => collector.events.size >= next, 15_000, `${next} events`);
    await sleep(500);
    expect(auditSequence(stored(), next)).toEqual({ events: 2400, distinct: 2400, duplicates: 0, gaps: 0 });
  });

  it('gives files that only share their first line their own ids, at start-up and when one appears later', async () => {
    const header = 'time,level,user,path,status\n';
    writeFileSync(join(logs, 'a.log'), header + logLines(0, 200));
    writeFileSync(join(logs, 'b.log'), header + logLines(200, 400));
    shipper = await startShipper(configFor(), logger, FAST_TIMINGS);
    await collector.waitFor(() => collector.events.size >= 402, 10_000, '402 events');
    writeFileSync(join(logs, 'c.log'), header + logLines(400, 600));
    await collector.waitFor(() => collector.events.size >= 603, 10_000, '603 events');
    await sleep(300);
    expect(auditSequence(stored(), 600)).toEqual({ events: 600, distinct: 600, duplicates: 0, gaps: 0 });
    expect([...stored()].filter((e) => e.message === header.trim()).length).toBe(3);
  });

  it('reads a file reached through a hard link and a symlink as one source', async () => {
    const real = join(logs, 'real.log');
    writeFileSync(real, logLines(0, 300));
    linkSync(real, join(logs, 'hard.log'));
    symlinkSync(real, join(logs, 'soft.log'));
    shipper = await startShipper(configFor(), logger, FAST_TIMINGS);
    await appendLines(real, 300, 600);
    await collector.waitFor(() => collector.events.size >= 600, 10_000, '600 events');
    await sleep(400);
    expect(auditSequence(stored(), 600)).toEqual({ events: 600, distinct: 600, duplicates: 0, gaps: 0 });
    expect(collector.counters.received).toBe(600);
    expect((await shipper.stats()).filesOpen).toBe(1);
  });

  it('keeps invalid UTF-8 with replacement characters and the original bytes in base64', async () => {
    const file = join(logs, 'bin.log');
    const bad = Buffer.concat([Buffer.from('2026-11-26 10:00:03 WARN user='), Buffer.from([0xc3, 0x28, 0xff, 0xfe])]);
    writeFileSync(file, Buffer.concat([bad, Buffer.from('\n'), Buffer.from(logLine(0, 'bin'))]));
    shipper = await startShipper(configFor(), logger, FAST_TIMINGS);
    await collector.waitFor(() => collector.events.size >= 2, 10_000, '2 events');
    const flagged = [...stored()].find((e) => e.flags?.includes('invalid_utf8'))!;
    expect(flagged.message).toBe('2026-11-26 10:00:03 WARN user=\uFFFD(\uFFFD\uFFFD');
    expect(Buffer.from(flagged.original_base64!, 'base64').equals(bad)).toBe(true);
    expect(flagged.tz).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
    const counted = await shipper.metrics.registry.getSingleMetricAsString('logship_shipper_events_flagged_total');
    expect(counted).toMatch(/input="api",reason="invalid_utf8"} 1/);
  });

  it('serves Prometheus metrics and sends heartbeats; an old collector (404) is tolerated', async () => {
    const modern = await startFakeCollector({ token: 'test-token', heartbeat: true });
    try {
      const file = join(logs, 'app.log');
      writeFileSync(file, logLines(0, 250));
      const config = configFor({
        collectors: [modern.url, collector.url],
        heartbeat_interval: '100ms',
        metrics: { listen: '127.0.0.1:0' },
      });
      shipper = await startShipper(config, logger, FAST_TIMINGS);
      await modern.waitFor(() => modern.heartbeats.length >= 2, 5_000, 'two heartbeats');
      await collector.waitFor(() => modern.events.size + collector.events.size >= 250, 10_000, '250 events');
      const hb = modern.heartbeats[0]!;
      expect(hb).toMatchObject({ host: 'edge-test', interval_s: 0.1, inputs: [{ service: 'api', files: 1 }] });
      expect(hb.version).toMatch(/^\d+\.\d+\.\d+/);
      const text = await (await fetch(`http://${shipper.metricsAddress}/metrics`)).text();
      expect(text).toContain('logship_shipper_lines_read_total{input="api"} 250');
      expect(text).toContain(`logship_shipper_bytes_read_total{input="api"} ${Buffer.byteLength(logLines(0, 250))}`);
      expect(text).toMatch(/logship_shipper_heartbeats_total\{outcome="ok"\} \d+/);
      expect(text).toMatch(/logship_shipper_lag_bytes\{path="[^"]+app\.log"\} \d+/);
    } finally {
      await shipper?.stop();
      shipper = undefined;
      await modern.close();
    }
  });

  it('spreads batches over two collectors and fails over when one goes down', async () => {
    const other = await startFakeCollector({ token: 'test-token' });
    try {
      const file = join(logs, 'app.log');
      shipper = await startShipper(
        configFor({ collectors: [collector.url, other.url], batch: { max_events: 100, max_wait: '20ms' } }),
        logger,
        FAST_TIMINGS,
      );
      await appendLines(file, 0, 2000, 100);
      const total = () => collector.events.size + other.events.size;
      await collector.waitFor(() => total() >= 2000, 10_000, '2,000 events');
      expect(collector.counters.requests).toBeGreaterThan(3);
      expect(other.counters.requests).toBeGreaterThan(3);
      await other.down();
      await appendLines(file, 2000, 4000, 100);
      await collector.waitFor(() => total() >= 4000, 15_000, '4,000 events');
      const all = [...collector.events.values(), ...other.events.values()];
      expect(auditSequence(all, 4000)).toEqual({ events: 4000, distinct: 4000, duplicates: 0, gaps: 0 });
    } finally {
      await other.close();
    }
  });

  it('leaves a final line without a newline unsent until its newline arrives, also across a restart', async () => {
    const file = join(logs, 'app.log');
    writeFileSync(file, logLines(0, 10) + 'partial line begins');
    shipper = await startShipper(configFor(), logger, FAST_TIMINGS);
    await collector.waitFor(() => collector.events.size >= 10, 10_000, '10 events');
    await restart(configFor());
    appendFileSync(file, ' and ends here\n');
    await collector.waitFor(() => collector.events.size >= 11, 10_000, '11 events');
    const last = [...stored()].find((e) => e.message.startsWith('partial'))!;
    expect(last.message).toBe('partial line begins and ends here');
    expect(last.offset).toBe(Buffer.byteLength(logLines(0, 10)));
    const registry = JSON.parse(await readFile(join(dir, 'data', 'registry.json'), 'utf8')) as unknown;
    expect(registry).toMatchObject({ version: 1 });
  });
});
