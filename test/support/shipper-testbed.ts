import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { parseShipperConfig, type ShipperConfig } from '../../shipper/config.js';
import type { Line } from '../../shipper/line-reader.js';
import type { RunningShipper } from '../../shipper/shipper.js';
import { startFakeCollector, type FakeCollector } from './fake-collector.js';
import { spawnLogship } from './processes.js';

/** Silent unless LOGSHIP_TEST_LOG names a level. */
export const testLogger = pino({ level: process.env.LOGSHIP_TEST_LOG ?? 'silent' });

/** A temp folder with `logs/` and a fake collector: what every in-process shipper test starts from. */
export interface Testbed {
  dir: string;
  logs: string;
  collector: FakeCollector;
}

const TOKEN = 'test-token';

/** Creates a testbed; `prefix` names its temp folder. */
export async function openTestbed(prefix: string): Promise<Testbed> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const logs = join(dir, 'logs');
  await mkdir(logs);
  return { dir, logs, collector: await startFakeCollector({ token: TOKEN }) };
}

/** Stops the shipper under test (if any), the collector, and removes the folder. */
export async function closeTestbed(bed: Omit<Testbed, 'logs'>, shipper: RunningShipper | undefined): Promise<void> {
  await shipper?.stop();
  await bed.collector.close();
  await rm(bed.dir, { recursive: true, force: true });
}

/** A validated shipper config pointing at the testbed's collector and data folder; `raw` adds or overrides keys. */
export function testbedConfig(bed: Omit<Testbed, 'logs'>, raw: Record<string, unknown>): ShipperConfig {
  return parseShipperConfig(testbedRaw(bed, raw), {});
}

/**
 * The same shipper as a `logship shipper` process of its own (node bin/logship.js), for what only a process shows:
 * its own CPU and descriptors, not the test runner's. Its config and log (shipper.yml, shipper.log) are in the
 * testbed's folder; the caller stops it before closeTestbed.
 */
export function spawnTestbedShipper(bed: Omit<Testbed, 'logs'>, raw: Record<string, unknown>): ChildProcess {
  const configPath = join(bed.dir, 'shipper.yml');
  writeFileSync(configPath, stringify(testbedRaw(bed, raw)));
  return spawnLogship(['shipper', '--config', configPath], {}, join(bed.dir, 'shipper.log'));
}

/** The keys every testbed shipper has (its collector, token and data folder), with `raw` added or overriding. */
function testbedRaw(bed: Omit<Testbed, 'logs'>, raw: Record<string, unknown>): Record<string, unknown> {
  return { collectors: [bed.collector.url], token: TOKEN, data_dir: join(bed.dir, 'data'), ...raw };
}

/** Shipper timings short enough for tests: file polls, registry flushes and idle closes within a fraction of a second. */
export const FAST_TIMINGS = { pollIntervalMs: 100, registryFlushMs: 100, orphanIdleMs: 300 };

/**
 * The config of the tailing edge-case tests: host `edge-test` tailing `paths` (default `logs/*.log`) in small, quick
 * batches, without heartbeats or safety rescans that would add traffic at random moments; `extra` overrides keys.
 */
export function edgeCaseConfig(
  bed: Testbed,
  extra: Record<string, unknown> = {},
  paths = [join(bed.logs, '*.log')],
): ShipperConfig {
  return testbedConfig(bed, {
    host: 'edge-test',
    inputs: [{ paths, service: 'api' }],
    batch: { max_events: 500, max_wait: '50ms' },
    heartbeat_interval: 0,
    rescan_interval: 0,
    ...extra,
  });
}

/** The physical lines of a text with their byte offsets, as the line reader yields them. */
export function linesOf(text: string): Line[] {
  const out: Line[] = [];
  let offset = 0;
  for (const t of text.split('\n').slice(0, -1)) {
    const next = offset + Buffer.byteLength(t) + 1;
    out.push({ offset, nextOffset: next, text: t, originalBytes: undefined, invalidUtf8: false });
    offset = next;
  }
  return out;
}
