import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseQuery } from '../../../../collector/query/parse-query.js';
import type { StoredEvent } from '../../../../collector/store/ecs-document.js';
import type { EmbeddedStore } from '../../../../collector/store/embedded/embedded-store.js';
import type { TailPosition } from '../../../../collector/store/read-model.js';
import { embeddedStoreWith, type TestStore } from '../../../support/embedded-test-store.js';

/**
 * The live tail without an index on the ingest time (schema 7, ingest-runs.ts): the store keeps, per write
 * transaction, which event times it stored and when they were ingested, and the tail reads those ranges. Every tail
 * page and count here is checked against the same answer worked out from the written events.
 */
const DAY = 86_400_000;
const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const I0 = T0 + 3_600_000;

interface Written {
  id: string;
  ms: number;
  ingestedMs: number;
  message: string;
  host: string;
}

let opened: TestStore;
let store: EmbeddedStore;
const written: Written[] = [];

function stored(e: Written): StoredEvent {
  return {
    id: e.id,
    doc: {
      '@timestamp': new Date(e.ms).toISOString(),
      message: e.message,
      host: { name: e.host },
      service: { name: 'app' },
      log: { level: 'info' },
      event: { id: e.id, ingested: new Date(e.ingestedMs).toISOString(), dataset: 'plain' },
    },
  };
}

/** One write request (one transaction of the writer thread), all accepted. */
async function write(events: Written[]): Promise<void> {
  expect(await store.write(events.map(stored))).toMatchObject({ accepted: events.length, duplicates: 0 });
  written.push(...events);
}

function ids(prefix: string, count: number, make: (i: number) => Omit<Written, 'id'>): Written[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${String(i).padStart(4, '0')}`, ...make(i) }));
}

function file<T>(read: (db: Database.Database) => T): T {
  const db = new Database(join(opened.dir, 'events.db'), { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const QUERIES: Record<string, (e: Written) => boolean> = {
  '': () => true,
  alpha: (e) => e.message.split(' ').includes('alpha'),
  'host.name:web-2': (e) => e.host === 'web-2',
};

/** The events a tail from `sinceMs` should give, in ingest order (ingest time, then id). */
function expected(query: string, sinceMs: number, untilMs = Infinity): string[] {
  return written
    .filter((e) => e.ingestedMs >= sinceMs && e.ingestedMs <= untilMs && QUERIES[query]!(e))
    .sort((a, b) => a.ingestedMs - b.ingestedMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((e) => e.id);
}

/** A whole tail from `sinceMs`, page by page as a live stream reads it. */
async function tailed(query: string, sinceMs: number, limit: number): Promise<string[]> {
  const out: string[] = [];
  let after: TailPosition | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await store.tail({ query: parseQuery(query), sinceMs: after?.ingestedMs ?? sinceMs, after, limit });
    out.push(...page.map((e) => e.hit.id));
    if (page.length < limit) return out;
    after = page.at(-1)!.position;
  }
  throw new Error('the tail did not end');
}

beforeAll(async () => {
  opened = await embeddedStoreWith('ingest-runs', [], 1);
  store = opened.store;
  // Live lines: 40 s of event time, ten ingest milliseconds of 40 events each (ties ordered by id).
  await write(
    ids('a', 400, (i) => ({
      ms: T0 + i * 100,
      ingestedMs: I0 + Math.floor(i / 40),
      message: `live ${i}${i % 9 === 0 ? ' alpha' : ''}`,
      host: `web-${(i % 2) + 1}`,
    })),
  );
  // A backfill of a sparse log the day before, ingested later: one event every 36 s for 3 hours.
  await write(
    ids('b', 300, (i) => ({
      ms: T0 - DAY + i * 36_000,
      ingestedMs: I0 + 20,
      message: `old ${i}${i % 7 === 0 ? ' alpha' : ''}`,
      host: 'web-1',
    })),
  );
  // A request stamped before the live one but stored after it, among its event times.
  await write(
    ids('c', 200, (i) => ({
      ms: T0 + 50 + i * 200,
      ingestedMs: I0 - 5 + (i % 3),
      message: `late ${i}`,
      host: 'web-2',
    })),
  );
  // Two clusters a week apart in one request.
  await write(
    ids('d', 100, (i) => ({
      ms: i < 50 ? T0 + 5 * DAY + i * 10 : T0 - 2 * DAY + i * 10,
      ingestedMs: I0 + 30,
      message: `apart ${i} alpha`,
      host: 'web-1',
    })),
  );
  // Thirty requests of three events, as a quiet shipper sends them.
  for (let k = 0; k < 30; k++) {
    await write(
      ids(`e${String(k).padStart(2, '0')}`, 3, (i) => ({
        ms: T0 + 60_000 + k * 1000 + i,
        ingestedMs: I0 + 40 + k * 10,
        message: `quiet ${k} ${i}`,
        host: 'web-2',
      })),
    );
  }
  expect(written).toHaveLength(1090);
});
afterAll(() => opened.remove());

describe('the live tail without an index on the ingest time', () => {
  it('keeps a few runs instead of an index entry per event', () => {
    const indexes = file((db) =>
      db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'`).pluck().all(),
    );
    expect(indexes.sort()).toEqual(['events_host', 'events_id']);
    // Live 1, the sparse backfill 8 (its seven largest gaps), the late request 1, the two clusters 2, and the thirty
    // small requests joined into 1.
    const runs = file((db) =>
      db.prepare(`SELECT lo_ms, hi_ms, events FROM ingest_runs ORDER BY ingested_to, lo_ms`).raw().all(),
    ) as [number, number, number][];
    expect(runs).toHaveLength(13);
    expect(runs.reduce((n, [, , events]) => n + events, 0)).toBe(1090);
    expect(runs.filter(([, , events]) => events === 90)).toEqual([[T0 + 60_000, T0 + 89_002, 90]]);
  });

  it.each([7, 100])('gives every event ingested since a time, in ingest order, pages of %i', async (limit) => {
    let compared = 0;
    for (const query of Object.keys(QUERIES)) {
      for (const since of [I0 - 10, I0 - 4, I0, I0 + 5, I0 + 20, I0 + 35, I0 + 330, I0 + 1000]) {
        const want = expected(query, since);
        expect(await tailed(query, since, limit)).toEqual(want);
        compared += want.length;
      }
    }
    expect(compared).toBe(6724);
  });

  it('counts the events ingested within a span', async () => {
    const spans: [number, number][] = [
      [I0 - 10, I0 + 1000],
      [I0 - 4, I0 + 5],
      [I0 + 20, I0 + 20],
      [I0 + 21, I0 + 29],
      [I0 + 100, I0 + 200],
    ];
    const counts = [];
    for (const query of Object.keys(QUERIES)) {
      for (const [since, until] of spans) {
        const n = await store.tailCount({ query: parseQuery(query), sinceMs: since, untilMs: until });
        expect(n).toBe(expected(query, since, until).length);
        counts.push(n);
      }
    }
    expect(counts).toEqual([1090, 373, 300, 0, 33, 188, 27, 43, 0, 0, 490, 253, 0, 0, 33]);
  });

  it('drops the runs of expired days, and the tail stays exact', async () => {
    await store.applyRetention({ retentionDays: 0, deadLetterRetentionDays: 30 }, new Date(T0));
    written.splice(0, written.length, ...written.filter((e) => e.ms >= Math.floor(T0 / DAY) * DAY));
    expect(written).toHaveLength(740);
    expect(file((db) => db.prepare(`SELECT count(*) FROM ingest_runs`).pluck().get())).toBe(4);
    expect(await tailed('', I0 - 10, 50)).toEqual(expected('', I0 - 10));
    expect(await store.tailCount({ query: parseQuery(''), sinceMs: I0 - 10, untilMs: I0 + 1000 })).toBe(740);
  });
});
