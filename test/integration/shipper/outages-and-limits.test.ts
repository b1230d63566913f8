import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ShipperConfig } from '../../../shipper/config.js';
import { startShipper, type RunningShipper } from '../../../shipper/shipper.js';
import type { FakeCollector } from '../../support/fake-collector.js';
import { closeTestbed, edgeCaseConfig, FAST_TIMINGS, openTestbed, testLogger } from '../../support/shipper-testbed.js';
import { auditSequence, logLines } from '../../support/sequence-log.js';

const logger = testLogger;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('tailing through outages and resource limits', () => {
  let dir: string;
  let logs: string;
  let collector: FakeCollector;
  let shipper: RunningShipper | undefined;

  function configFor(extra: Record<string, unknown> = {}, paths = [join(logs, '*.log')]): ShipperConfig {
    return edgeCaseConfig({ dir, logs, collector }, extra, paths);
  }

  const stored = () => collector.events.values();

  beforeEach(async () => {
    ({ dir, logs, collector } = await openTestbed('logship-edge-'));
  });

  afterEach(async () => {
    await closeTestbed({ dir, collector }, shipper);
    shipper = undefined;
  });

  it('keeps a deleted, unsent file open until the collector has its lines, reporting bytes at risk', async () => {
    const file = join(logs, 'doomed.log');
    shipper = await startShipper(configFor(), logger, FAST_TIMINGS);
    await collector.down();
    writeFileSync(file, logLines(0, 800));
    await sleep(300);
    rmSync(file);
    await sleep(1000);
    const s = shipper;
    expect((await s.stats()).filesOpen).toBe(1);
    const risk = await s.metrics.registry.getSingleMetricAsString('logship_shipper_bytes_at_risk');
    expect(Number(/bytes_at_risk (\d+)/.exec(risk)?.[1])).toBe(Buffer.byteLength(logLines(0, 800)));
    await collector.up();
    await collector.waitFor(() => collector.events.size >= 800, 35_000, '800 events');
    await collector.waitFor(async () => (await s.stats()).filesOpen === 0, 5_000, 'the deleted file to be closed');
    expect(auditSequence(stored(), 800)).toEqual({ events: 800, distinct: 800, duplicates: 0, gaps: 0 });
    const after = await s.metrics.registry.getSingleMetricAsString('logship_shipper_bytes_at_risk');
    expect(after).toMatch(/bytes_at_risk 0/);
  }, 60_000);

  it('gives up a deleted file held longer than deleted_file_hold, counting it as dropped', async () => {
    const file = join(logs, 'doomed.log');
    shipper = await startShipper(configFor({ deleted_file_hold: '500ms' }), logger, FAST_TIMINGS);
    await collector.down();
    writeFileSync(file, logLines(0, 50));
    await sleep(300);
    rmSync(file);
    const s = shipper;
    await collector.waitFor(async () => (await s.stats()).filesOpen === 0, 5_000, 'the deleted file to be given up');
    const dropped = await s.metrics.registry.getSingleMetricAsString('logship_shipper_events_dropped_total');
    expect(dropped).toMatch(/reason="deleted_file_limit"} 1/);
    await collector.up();
  });

  it('stays under max_open_files with 40 files, closing quiet ones and reopening them at their place', async () => {
    const files = Array.from({ length: 40 }, (_, i) => join(logs, `f${String(i).padStart(2, '0')}.log`));
    shipper = await startShipper(configFor({ max_open_files: 16 }), logger, FAST_TIMINGS);
    const s = shipper;
    let maxOpen = 0;
    const sampler = setInterval(() => void s.stats().then((st) => (maxOpen = Math.max(maxOpen, st.filesOpen))), 10);
    try {
      let seq = 0;
      // Three rounds over all files, 8 files at a time, so every file is closed and reopened at least twice.
      for (let round = 0; round < 3; round++) {
        for (let group = 0; group < 5; group++) {
          for (const f of files.slice(group * 8, group * 8 + 8)) {
            appendFileSync(f, logLines(seq, seq + 25));
            seq += 25;
          }
          await sleep(150);
        }
      }
      await collector.waitFor(() => collector.events.size >= seq, 20_000, `${seq} events`);
      await sleep(300);
      expect(auditSequence(stored(), seq)).toEqual({ events: 3000, distinct: 3000, duplicates: 0, gaps: 0 });
      expect(collector.counters.received).toBe(3000);
      expect(maxOpen).toBeLessThanOrEqual(16);
      const parked = await s.metrics.registry.getSingleMetricAsString('logship_shipper_files_parked_total');
      expect(Number(/total (\d+)/.exec(parked)?.[1])).toBeGreaterThanOrEqual(24);
    } finally {
      clearInterval(sampler);
    }
  }, 40_000);

  it('pauses reading while the collector is down (memory bounded by batches, the file is the buffer), then catches up', async () => {
    const file = join(logs, 'big.log');
    shipper = await startShipper(configFor({ batch: { max_events: 500, max_wait: '50ms' } }), logger, FAST_TIMINGS);
    await collector.down();
    for (let i = 0; i < 10; i++) appendFileSync(file, logLines(i * 10_000, (i + 1) * 10_000));
    await sleep(1500);
    const read = async () =>
      Number(
        /input="api"} (\d+)/.exec(
          await shipper!.metrics.registry.getSingleMetricAsString('logship_shipper_lines_read_total'),
        )?.[1] ?? 0,
      );
    // max_in_flight (4) batches in flight, one sealed and waiting, one filling: 6 × 500 lines, plus one slice.
    const whileDown = await read();
    expect(whileDown).toBeGreaterThan(0);
    expect(whileDown).toBeLessThanOrEqual(6 * 500 + 256);
    await collector.up();
    await collector.waitFor(() => collector.events.size >= 100_000, 30_000, '100,000 events');
    expect(auditSequence(stored(), 100_000)).toEqual({ events: 100_000, distinct: 100_000, duplicates: 0, gaps: 0 });
  }, 45_000);
});
