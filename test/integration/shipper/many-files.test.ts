import { mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseShipperConfig } from '../../../shipper/config.js';
import { startShipper, type RunningShipper } from '../../../shipper/shipper.js';
import { startFakeCollector, type FakeCollector } from '../../support/fake-collector.js';
import { auditSequence, logLine } from '../../support/sequence-log.js';

const logger = pino({ level: process.env.LOGSHIP_TEST_LOG ?? 'silent' });
const FILES = 2000;

describe('2,000 watched files', () => {
  let dir: string;
  let collector: FakeCollector;
  let shipper: RunningShipper | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'logship-many-'));
    collector = await startFakeCollector({ token: 'many-token' });
  });
  afterAll(async () => {
    await shipper?.stop();
    await collector.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('ships a line from each of 2,000 files under the default descriptor cap, then idles at near-zero CPU', async () => {
    // 20 service folders × 100 files, found through one `**` glob.
    const files: string[] = [];
    for (let d = 0; d < 20; d++) {
      mkdirSync(join(dir, 'logs', `svc-${d}`), { recursive: true });
      for (let f = 0; f < FILES / 20; f++) files.push(join(dir, 'logs', `svc-${d}`, `app-${f}.log`));
    }
    files.forEach((file, i) => writeFileSync(file, logLine(i, 'many')));
    const config = parseShipperConfig(
      {
        host: 'many-1',
        collectors: [collector.url],
        token: 'many-token',
        data_dir: join(dir, 'data'),
        inputs: [{ paths: [join(dir, 'logs', '**', '*.log')] }],
        batch: { max_wait: '100ms' },
        heartbeat_interval: 0,
      },
      {},
    );
    shipper = await startShipper(config, logger);
    await collector.waitFor(() => collector.events.size >= FILES, 60_000, `${FILES} events`);
    expect((await shipper.stats()).filesOpen).toBeLessThanOrEqual(1024);

    // A second line in 100 files spread over the folders: found by events, not by a folder walk.
    for (let i = 0; i < 100; i++) appendFileSync(files[i * 20]!, logLine(FILES + i, 'many'));
    await collector.waitFor(() => collector.events.size >= FILES + 100, 20_000, `${FILES + 100} events`);
    expect(auditSequence(collector.events.values(), FILES + 100)).toEqual({
      events: FILES + 100,
      distinct: FILES + 100,
      duplicates: 0,
      gaps: 0,
    });

    // Idle: nothing is written; what the shipper costs now is its polling.
    await new Promise((r) => setTimeout(r, 1500));
    const before = process.cpuUsage();
    const started = process.hrtime.bigint();
    await new Promise((r) => setTimeout(r, 10_000));
    const used = process.cpuUsage(before);
    const wallUs = Number(process.hrtime.bigint() - started) / 1000;
    const share = (used.user + used.system) / wallUs;
    console.log(`idle with ${FILES} files: ${(share * 100).toFixed(2)} % of one core over 10 s`);
    // Measured 0.6–1.2 % here; 5 % leaves room for a loaded CI machine and still fails a shipper that polls or
    // rescans 2,000 files every second (that measured 9 %).
    expect(share).toBeLessThan(0.05);
  }, 120_000);
});
