import { appendFile, readFile, rename, stat, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ShipperConfig } from '../../../shipper/config.js';
import { startShipper, type RunningShipper } from '../../../shipper/shipper.js';
import type { FakeCollector } from '../../support/fake-collector.js';
import { auditSequence, logLine } from '../../support/sequence-log.js';
import { closeTestbed, openTestbed, testbedConfig, testLogger } from '../../support/shipper-testbed.js';

const logger = testLogger;
const FAST = { pollIntervalMs: 200, registryFlushMs: 200, orphanIdleMs: 500 };

/** Appends lines seq [from, to) spread round-robin over `files`, in bursts, yielding so the shipper reads meanwhile. */
async function writeLines(files: string[], from: number, to: number, burst = 250): Promise<void> {
  for (let start = from; start < to; start += burst * files.length) {
    const chunks = files.map(() => [] as string[]);
    for (let seq = start; seq < Math.min(to, start + burst * files.length); seq++) {
      const i = seq % files.length;
      chunks[i]!.push(logLine(seq, `f${i}`));
    }
    await Promise.all(files.map((f, i) => appendFile(f, chunks[i]!.join(''))));
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('shipper end to end against a fake collector', () => {
  let dir: string;
  let collector: FakeCollector;
  let shipper: RunningShipper | undefined;

  function configFor(extra: Record<string, unknown> = {}): ShipperConfig {
    return testbedConfig(
      { dir, collector },
      {
        host: 'web-test',
        inputs: [{ paths: [join(dir, 'logs', '*.log')], exclude: ['*.gz'], service: 'api', fields: { env: 'test' } }],
        batch: { max_events: 2000, max_wait: '100ms' },
        ...extra,
      },
    );
  }

  beforeEach(async () => {
    ({ dir, collector } = await openTestbed('logship-e2e-'));
  });

  afterEach(async () => {
    await closeTestbed({ dir, collector }, shipper);
    shipper = undefined;
  });

  it('ships 20,000 lines from 3 files exactly once and resends nothing after a clean restart', async () => {
    const files = ['a.log', 'b.log', 'c.log'].map((f) => join(dir, 'logs', f));
    await Promise.all(files.map((f) => writeFile(f, '')));
    // Noise that must not be shipped: excluded and non-matching names.
    await writeFile(join(dir, 'logs', 'old.log.gz'), 'compressed\n');
    await writeFile(join(dir, 'logs', 'notes.txt'), 'not a log\n');
    shipper = await startShipper(configFor(), logger, FAST);
    await writeLines(files, 0, 20_000);
    await collector.waitFor(() => collector.events.size >= 20_000, 20_000, '20,000 events');
    expect(collector.events.size).toBe(20_000);
    expect(auditSequence(collector.events.values(), 20_000).gaps).toBe(0);
    expect(collector.counters.duplicates).toBe(0);

    const sample = [...collector.events.values()].find((e) => e.message.includes('seq=000042'))!;
    expect(sample).toMatchObject({
      host: 'web-test',
      service: 'api',
      source: files[0],
      format: 'auto',
      fields: { env: 'test' },
    });
    // A 16-character prefix per file, then the line's offset in base 36.
    expect(sample.id).toMatch(/^[A-Za-z0-9_-]{16}[0-9a-z]+$/);
    expect(typeof sample.offset).toBe('number');
    expect(sample.id!.slice(16)).toBe(sample.offset!.toString(36));
    expect(Date.parse(sample.read_at!)).toBeGreaterThan(0);

    await shipper.stop();
    shipper = undefined;
    const receivedBeforeRestart = collector.counters.received;
    const requestsBeforeRestart = collector.counters.requests;

    shipper = await startShipper(configFor(), logger, FAST);
    await writeLines(files, 20_000, 21_000);
    await collector.waitFor(() => collector.events.size >= 21_000, 10_000, '21,000 events');
    // Give a wrongly re-read file time to show up as duplicates before counting.
    await new Promise((r) => setTimeout(r, 400));
    expect(collector.events.size).toBe(21_000);
    expect(auditSequence(collector.events.values(), 21_000).gaps).toBe(0);
    expect(collector.counters.received - receivedBeforeRestart).toBe(1_000);
    expect(collector.counters.duplicates).toBe(0);
    // The shipper's own figures (read from its metrics) agree with what the collector saw since the restart.
    expect(await shipper.stats()).toEqual({
      filesOpen: 3,
      batchesAcknowledged: collector.counters.requests - requestsBeforeRestart,
      eventsAccepted: 1_000,
      eventsDuplicate: 0,
      eventsRejected: 0,
      eventsDropped: 0,
    });
  });

  it('delivers everything when the collector answers 503 with Retry-After three times', async () => {
    const files = ['x.log', 'y.log', 'z.log'].map((f) => join(dir, 'logs', f));
    collector.failNext(3, { status: 503, retryAfter: 1 });
    shipper = await startShipper(configFor(), logger, FAST);
    await writeLines(files, 0, 3_000);
    await collector.waitFor(() => collector.events.size >= 3_000, 15_000, '3,000 events');
    expect(collector.counters.failuresAnswered).toBe(3);
    expect(collector.events.size).toBe(3_000);
    expect(auditSequence(collector.events.values(), 3_000).gaps).toBe(0);
    expect((await shipper.stats()).eventsDropped).toBe(0);
  });

  it('splits a batch refused as too large, after it was kept gzipped while in flight, and delivers every line once', async () => {
    const file = join(dir, 'logs', 'big.log');
    collector.failNext(1, { status: 413 });
    shipper = await startShipper(configFor(), logger, FAST);
    await writeLines([file], 0, 2_000);
    await collector.waitFor(() => collector.events.size >= 2_000, 15_000, '2,000 events');
    expect(collector.counters.failuresAnswered).toBe(1);
    expect(collector.events.size).toBe(2_000);
    expect(collector.counters.duplicates).toBe(0);
    expect(auditSequence(collector.events.values(), 2_000).gaps).toBe(0);
    expect((await shipper.stats()).eventsDropped).toBe(0);
  });

  it('loses nothing when stopped while the collector is down and restarted after it is back', async () => {
    const file = join(dir, 'logs', 'app.log');
    shipper = await startShipper(configFor(), logger, { ...FAST, stopTimeoutMs: 1_000 });
    await writeLines([file], 0, 1_000);
    await collector.waitFor(() => collector.events.size >= 1_000, 10_000, '1,000 events');
    await collector.down();
    await writeLines([file], 1_000, 1_500);
    await new Promise((r) => setTimeout(r, 300));
    const stopStarted = Date.now();
    await shipper.stop();
    shipper = undefined;
    expect(Date.now() - stopStarted).toBeLessThan(3_000);
    await collector.up();
    shipper = await startShipper(configFor(), logger, FAST);
    await collector.waitFor(() => collector.events.size >= 1_500, 10_000, '1,500 events');
    expect(collector.events.size).toBe(1_500);
    expect(auditSequence(collector.events.values(), 1_500).gaps).toBe(0);
  });

  it('reads a renamed file to its end and the new file at the old path from its start', async () => {
    const file = join(dir, 'logs', 'app.log');
    shipper = await startShipper(configFor(), logger, FAST);
    await writeLines([file], 0, 500);
    await collector.waitFor(() => collector.events.size >= 500, 10_000, '500 events');
    // Rename rotation to a name the glob does not match; the writer still appends to the old file once.
    await rename(file, join(dir, 'logs', 'app.log.1'));
    await appendFile(join(dir, 'logs', 'app.log.1'), logLine(500, 'f0'));
    await writeLines([file], 501, 800);
    await collector.waitFor(() => collector.events.size >= 800, 10_000, '800 events');
    expect(auditSequence(collector.events.values(), 800).gaps).toBe(0);
    expect(collector.counters.duplicates).toBe(0);
    // Once quiet for orphanIdleMs the rotated file is closed; its offset stays in the registry.
    const s = shipper;
    await collector.waitFor(async () => (await s.stats()).filesOpen === 1, 5_000, 'the rotated file to be closed');
  });

  it('closes a deleted file after reading it to its end and forgets its offset', async () => {
    const keep = join(dir, 'logs', 'keep.log');
    const doomed = join(dir, 'logs', 'doomed.log');
    shipper = await startShipper(configFor(), logger, FAST);
    await writeLines([keep, doomed], 0, 200);
    await collector.waitFor(() => collector.events.size >= 200, 10_000, '200 events');
    await rm(doomed);
    const s = shipper;
    await collector.waitFor(async () => (await s.stats()).filesOpen === 1, 5_000, 'the deleted file to be closed');
    await shipper.stop();
    shipper = undefined;
    const registry = JSON.parse(await readFile(join(dir, 'data', 'registry.json'), 'utf8')) as {
      files: { path: string; offset: number }[];
    };
    expect(registry.files.map((f) => f.path)).toEqual([keep]);
    expect(registry.files[0]!.offset).toBe((await stat(keep)).size);
  });

  it('ships multiline records, cut lines and invalid UTF-8 with their flags', async () => {
    const file = join(dir, 'logs', 'java.log');
    const input = {
      paths: [join(dir, 'logs', '*.log')],
      service: 'orders',
      format: 'plain',
      multiline: { start: '^\\d{4}-\\d{2}-\\d{2} ', timeout: '200ms' },
      max_line_bytes: '1KiB',
    };
    shipper = await startShipper(configFor({ inputs: [input] }), logger, FAST);
    const trace = [
      '2026-11-26 10:00:01.007 ERROR [http-8080-3] o.e.OrderController - Request failed',
      'java.lang.IllegalStateException: order 4711 has no lines',
      '\tat org.example.OrderService.total(OrderService.java:88)',
    ].join('\n');
    const huge = `2026-11-26 10:00:02.000 DEBUG payload=${'A'.repeat(3000)}`;
    const broken = Buffer.concat([
      Buffer.from('2026-11-26 10:00:03.000 WARN user='),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\n'),
    ]);
    await writeFile(file, `${trace}\n${huge}\n`);
    await appendFile(file, broken);
    // The last record has no successor: only the multiline timeout sends it.
    await collector.waitFor(() => collector.events.size >= 3, 5_000, '3 records');
    const byOffset = [...collector.events.values()].sort((x, y) => x.offset! - y.offset!);
    expect(byOffset.map((e) => e.offset)).toEqual([
      0,
      Buffer.byteLength(trace) + 1,
      Buffer.byteLength(`${trace}\n${huge}\n`),
    ]);
    expect(byOffset[0]!.message).toBe(trace);
    expect(byOffset[0]!.flags).toBeUndefined();
    expect(byOffset[1]!.flags).toEqual(['truncated']);
    expect(byOffset[1]!.original_bytes).toBe(Buffer.byteLength(huge));
    expect(Buffer.byteLength(byOffset[1]!.message)).toBe(1024);
    expect(byOffset[2]!.flags).toEqual(['invalid_utf8']);
    expect(byOffset[2]!.message).toBe('2026-11-26 10:00:03.000 WARN user=\uFFFD(');
    expect(byOffset[2]!.format).toBe('plain');
  });

  it('ships lines needing JSON escapes byte for byte, uncompressed with compression none', async () => {
    const file = join(dir, 'logs', 'escapes.log');
    const lines = [
      '10.0.0.7 - - [26/Nov/2026:10:00:00 +0000] "GET /a?q=\\"x\\" HTTP/1.1" 200 12 "-" "curl/8.5.0"',
      'C:\\logs\\app\\today.log opened',
      'tab\there, bell\u0007, escape\u001b[31mred\u001b[0m, form\ffeed, back\bspace',
      'ünïcödé ✓ 日本語 😀 and a \u2028 separator',
      'plain ascii with nothing to escape',
      '',
      'trailing backslash \\',
      'windows line ending\r',
      // Long runs around escapes: copied natively, the short ones byte by byte.
      `${'a'.repeat(100)}"${'b'.repeat(47)}\\${'c'.repeat(48)}\t${'d'.repeat(200)}`,
    ];
    shipper = await startShipper(configFor({ compression: 'none' }), logger, FAST);
    await writeFile(file, lines.map((l) => `${l}\n`).join(''));
    await collector.waitFor(() => collector.events.size >= lines.length, 5_000, `${lines.length} events`);
    const byOffset = [...collector.events.values()].sort((x, y) => x.offset! - y.offset!);
    const expected = lines.map((l) => l.replace(/\r$/, ''));
    expect(byOffset.map((e) => e.message)).toEqual(expected);
    expect(collector.encodings).toContain('identity');
    expect(collector.encodings).not.toContain('gzip');
  });

  it('with start_at end skips what a file held at start-up but reads files created later from the start', async () => {
    const old = join(dir, 'logs', 'old.log');
    await writeFile(old, 'history 1\nhistory 2\n');
    const input = { paths: [join(dir, 'logs', '*.log')], start_at: 'end' };
    shipper = await startShipper(configFor({ inputs: [input] }), logger, FAST);
    await appendFile(old, 'fresh 1\n');
    await writeFile(join(dir, 'logs', 'new.log'), 'new 1\nnew 2\n');
    await collector.waitFor(() => collector.events.size >= 3, 5_000, '3 events');
    await new Promise((r) => setTimeout(r, 300));
    expect([...collector.events.values()].map((e) => e.message).sort()).toEqual(['fresh 1', 'new 1', 'new 2']);
  });

  it('re-reads a truncated file from the start', async () => {
    const file = join(dir, 'logs', 'app.log');
    shipper = await startShipper(configFor(), logger, FAST);
    await writeLines([file], 0, 300);
    await collector.waitFor(() => collector.events.size >= 300, 10_000, '300 events');
    // copytruncate: the content is cut to zero and new lines (with another first line) follow.
    await writeFile(file, '');
    await new Promise((r) => setTimeout(r, 300));
    await writeLines([file], 300, 400);
    await collector.waitFor(() => collector.events.size >= 400, 10_000, '400 events');
    expect(auditSequence(collector.events.values(), 400).gaps).toBe(0);
  });
});
