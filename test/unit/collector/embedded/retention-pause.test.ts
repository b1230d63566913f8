import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { StoredEvent } from '../../../../collector/store/ecs-document.js';
import { EmbeddedStore } from '../../../../collector/store/embedded/embedded-store.js';
import { steady } from '../../../support/steady-load.js';

/**
 * Retention of a large day on the real embedded store (its writer thread, read threads and SQLite file) while a
 * steady writer and a steady reader go on: the day goes, exactly, and neither of them waits for the whole expiry.
 * bench/embedded-store.ts measures the same pause at millions of events.
 */
const DAY = 86_400_000;
const PER_DAY = 40_000;
const BATCH = 4000;
/** The longest a write or a read may wait while a day is expired (the goal, at 3.8M events a day). */
const PAUSE_BOUND_MS = 1000;

let dir: string;
let store: EmbeddedStore;

function event(id: string, ms: number, i: number): StoredEvent {
  const ts = new Date(ms).toISOString();
  return {
    id,
    doc: {
      '@timestamp': ts,
      message: `request ${i % 977} finished in ${i % 5000} ms for user u${i % 9973} on worker ${i % 30}`,
      host: { name: `host-${i % 30}` },
      service: { name: `svc-${i % 4}` },
      log: { level: (['info', 'warn', 'error'] as const)[i % 3]!, file: { path: '/var/log/app.log' }, offset: i },
      event: { id, ingested: ts, dataset: 'plain' },
    },
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'logship-retention-pause-'));
  store = new EmbeddedStore({ dir, searchTimeoutMs: 30_000, exactTotalUpTo: 1_000_000 }, pino({ level: 'silent' }));
  await store.init();
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

it('expires a whole day exactly while writes and reads go on, none of them waiting over the bound', async () => {
  const today = Math.floor(Date.now() / DAY) * DAY;
  const day1 = today - 2 * DAY;
  const day2 = today - DAY;
  for (const [d, start] of [day1, day2].entries()) {
    for (let k = 0; k < PER_DAY; k += BATCH) {
      const events = Array.from({ length: BATCH }, (_, j) =>
        event(`d${d}-${k + j}`, start + Math.floor(((k + j) / PER_DAY) * DAY), k + j),
      );
      expect(await store.write(events)).toMatchObject({ accepted: BATCH, duplicates: 0 });
    }
  }
  const count = async (from: number, to: number): Promise<number> => {
    const page = await store.search({
      query: { kind: 'all' },
      from: new Date(from),
      to: new Date(to),
      limit: 1,
      order: 'desc',
    });
    expect(page.total.relation).toBe('eq');
    return page.total.value;
  };
  const histogramTotal = async (from: number, to: number): Promise<number> => {
    const buckets = await store.histogram({
      query: { kind: 'all' },
      from: new Date(from),
      to: new Date(to),
      intervalMs: 60 * 60_000,
    });
    return buckets.reduce((sum, b) => sum + b.count, 0);
  };
  expect(await count(day1, day2 - 1)).toBe(PER_DAY);
  expect(await histogramTotal(day1, day2 - 1)).toBe(PER_DAY);

  let expiring = true;
  const stop = (): boolean => !expiring;
  const writes = steady(async (i) => {
    const outcome = await store.write([event(`live-${i}`, Date.now(), i)]);
    expect(outcome.accepted).toBe(1);
  }, stop);
  const reads = steady(
    () => store.search({ query: { kind: 'all' }, from: new Date(day1), to: new Date(), limit: 10, order: 'desc' }),
    stop,
  );
  const t0 = performance.now();
  const outcome = await store.applyRetention({ retentionDays: 1, deadLetterRetentionDays: 30 }, new Date(today + 1000));
  const expiryMs = performance.now() - t0;
  expiring = false;
  const writer = await writes;
  const reader = await reads;

  expect(outcome.deleted).toEqual([`logship-${new Date(day1).toISOString().slice(0, 10).replaceAll('-', '.')}`]);
  // The expired day is gone from the events and from the rollup counts; the kept day and the live writes are whole.
  expect(await count(day1, day2 - 1)).toBe(0);
  expect(await histogramTotal(day1, day2 - 1)).toBe(0);
  expect(await count(day2, today - 1)).toBe(PER_DAY);
  expect(await histogramTotal(day2, today - 1)).toBe(PER_DAY);
  expect(await count(day1, Date.now() + 1000)).toBe(PER_DAY + writer.runs);
  // Writes went in during the expiry, not after it; none waited over the bound, and neither did a read.
  const pauses = `expiry ${expiryMs.toFixed(0)} ms; ${writer.runs} writes, longest ${writer.longestMs.toFixed(0)} ms; ${reader.runs} reads, longest ${reader.longestMs.toFixed(0)} ms`;
  expect({ pauses, writesDuring: writer.runs >= 3 }).toEqual({ pauses, writesDuring: true });
  expect({ pauses, longestWrite: writer.longestMs < PAUSE_BOUND_MS }).toEqual({ pauses, longestWrite: true });
  expect({ pauses, longestRead: reader.longestMs < PAUSE_BOUND_MS }).toEqual({ pauses, longestRead: true });
});
