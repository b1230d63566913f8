import { mkdirSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { spawnLogship, stopProcess } from '../../support/processes.js';
import { startFakeCollector, type FakeCollector } from '../../support/fake-collector.js';
import { auditSequence, logLines } from '../../support/sequence-log.js';

/** The `logship shipper` process: config reloads on SIGHUP and on a file change, and a clean SIGTERM. */
describe('shipper daemon signals', () => {
  let dir: string;
  let collector: FakeCollector;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'logship-signals-'));
    for (const d of ['a', 'b', 'c']) mkdirSync(join(dir, d));
    collector = await startFakeCollector({ token: 'sig-token' });
  });
  afterEach(async () => {
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function writeConfig(inputs: string[]): string {
    const path = join(dir, 'shipper.yml');
    writeFileSync(
      path,
      stringify({
        host: 'sig-1',
        collectors: [collector.url],
        token: 'sig-token',
        data_dir: join(dir, 'data'),
        inputs: inputs.map((d) => ({ paths: [join(dir, d, '*.log')], service: d })),
        batch: { max_wait: '100ms' },
        heartbeat_interval: 0,
      }),
    );
    return path;
  }

  it('adds inputs on a config change and on SIGHUP, keeps running on a bad config, exits 0 within 10 s on SIGTERM', async () => {
    const config = writeConfig(['a']);
    const child = spawnLogship(['shipper', '--config', config], {}, join(dir, 'shipper.log'));
    try {
      appendFileSync(join(dir, 'a', 'x.log'), logLines(0, 100, 'a'));
      await collector.waitFor(() => collector.events.size >= 100, 15_000, '100 events from input a');

      // A changed file is picked up by its modification time (checked every 2 s).
      writeConfig(['a', 'b']);
      appendFileSync(join(dir, 'b', 'y.log'), logLines(100, 200, 'b'));
      await collector.waitFor(() => collector.events.size >= 200, 15_000, '200 events after the config change');

      // A broken config is refused; the running shipper goes on.
      writeFileSync(config, 'inputs: [ { paths: 12 } ]\n');
      child.kill('SIGHUP');
      await new Promise((r) => setTimeout(r, 500));
      appendFileSync(join(dir, 'b', 'y.log'), logLines(200, 300, 'b'));
      await collector.waitFor(() => collector.events.size >= 300, 15_000, '300 events with the old config');

      writeConfig(['a', 'b', 'c']);
      child.kill('SIGHUP');
      await new Promise((r) => setTimeout(r, 1500));
      appendFileSync(join(dir, 'c', 'z.log'), logLines(300, 400, 'c'));
      await collector.waitFor(() => collector.events.size >= 400, 15_000, '400 events after SIGHUP');
      await new Promise((r) => setTimeout(r, 300));
      expect(auditSequence(collector.events.values(), 400)).toEqual({
        events: 400,
        distinct: 400,
        duplicates: 0,
        gaps: 0,
      });
      // Reloads restart reading at the committed offsets: nothing was sent twice.
      expect(collector.counters.duplicates).toBe(0);

      const started = Date.now();
      const code = await stopProcess(child, 'SIGTERM');
      expect(code).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await stopProcess(child, 'SIGKILL');
    }
  }, 60_000);

  it('exits within 10 s on SIGTERM while the collector is down, and ships the held lines after a restart', async () => {
    const config = writeConfig(['a']);
    let child = spawnLogship(['shipper', '--config', config], {}, join(dir, 'shipper.log'));
    try {
      appendFileSync(join(dir, 'a', 'x.log'), logLines(0, 100, 'a'));
      await collector.waitFor(() => collector.events.size >= 100, 15_000, '100 events');
      await collector.down();
      appendFileSync(join(dir, 'a', 'x.log'), logLines(100, 300, 'a'));
      await new Promise((r) => setTimeout(r, 800));
      const started = Date.now();
      const code = await stopProcess(child, 'SIGTERM');
      const took = Date.now() - started;
      expect(code).toBe(0);
      expect(took).toBeLessThan(10_000);
      await collector.up();
      child = spawnLogship(['shipper', '--config', config], {}, join(dir, 'shipper.log'));
      await collector.waitFor(() => collector.events.size >= 300, 15_000, '300 events after the restart');
      expect(auditSequence(collector.events.values(), 300)).toEqual({
        events: 300,
        distinct: 300,
        duplicates: 0,
        gaps: 0,
      });
    } finally {
      await stopProcess(child, 'SIGKILL');
    }
  }, 60_000);
});
