import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseQuery } from '../../../../collector/query/parse-query.js';
import type { Level } from '../../../../protocol/event.js';
import { embeddedStoreWith, searchPages, storedEvent, type TestStore } from '../../../support/embedded-test-store.js';

/**
 * A file made at schema 10 keys its rows by the second (event-key.ts): rowid order is time order only between
 * seconds, and a key range covers whole seconds. These events share seconds, milliseconds and hosts, are written out
 * of time order, and span a minute's end (the rollup's edge minutes), so every read must put each second in the
 * exact order (time, host, source, offset, id) and cut windows inside seconds by the row's millisecond.
 */
const BASE = Date.parse('2026-11-20T10:00:58.000Z');
/** Per second: the milliseconds within it, with their hosts (three events share 500, two of them on web-1). */
const SHAPE: [ms: number, host: string][] = [
  [999, 'web-2'],
  [0, 'web-1'],
  [500, 'web-2'],
  [500, 'web-1'],
  [500, 'web-1'],
  [1, 'db-1'],
  [250, 'web-1'],
];
const SECONDS = 4;

interface Event {
  id: string;
  ms: number;
  host: string;
  offset: number;
  level: Level;
  message: string;
}

const EVENTS: Event[] = Array.from({ length: SECONDS * SHAPE.length }, (_, i) => {
  const [within, host] = SHAPE[i % SHAPE.length]!;
  return {
    id: `e-${String(i).padStart(2, '0')}`,
    ms: BASE + Math.floor(i / SHAPE.length) * 1000 + within,
    host,
    // Descending within a millisecond and host, so the offset, not the id, orders them.
    offset: 1000 - i,
    level: i % 4 === 1 ? 'warn' : 'info',
    message: `alpha request ${i}${i % 3 === 0 ? ' rare' : ''}`,
  };
});

/** The write order: every second's events scattered across five writes, none in time order. */
const WRITTEN = EVENTS.map((_, i) => EVENTS[(i * 11) % EVENTS.length]!);

/** The search order: time, then host, source (all the same), offset, id. */
function exact(events: readonly Event[], order: 'asc' | 'desc'): string[] {
  const sorted = [...events].sort(
    (a, b) => a.ms - b.ms || a.host.localeCompare(b.host) || a.offset - b.offset || a.id.localeCompare(b.id),
  );
  return (order === 'asc' ? sorted : sorted.reverse()).map((e) => e.id);
}

const QUERIES: [query: string, matches: (e: Event) => boolean][] = [
  ['', () => true],
  ['alpha', () => true],
  ['rare', (e) => e.message.endsWith('rare')],
  ['host.name:web-1', (e) => e.host === 'web-1'],
  ['log.level:warn', (e) => e.level === 'warn'],
  ['rare AND host.name:web-1', (e) => e.message.endsWith('rare') && e.host === 'web-1'],
];

/** Windows: the whole set, and edges inside seconds (a millisecond before, at and after events of the edge). */
const WINDOWS: [from: number, to: number][] = [
  [BASE - 60_000, BASE + 60_000],
  [BASE + 1250, BASE + 3499],
  [BASE + 1251, BASE + 3249],
  [BASE + 500, BASE + 500],
  [BASE + 1001, BASE + 1998],
];

let t: TestStore;

beforeAll(async () => {
  const events = WRITTEN.map((e) => storedEvent({ ...e, source: '/var/log/app.log' }));
  t = await embeddedStoreWith('second-keys', events, 6);
});
afterAll(async () => {
  await t.remove();
});

describe('a store file keyed by the second', () => {
  it('keeps each row as its second and n in write order, and its millisecond within the second in msx', () => {
    const db = new Database(join(t.dir, 'events.db'), { readonly: true });
    const rows = db
      .prepare(`SELECT id, rowid >> 20 AS second, rowid & 1048575 AS n, msx FROM events ORDER BY rowid`)
      .all() as { id: string; second: number; n: number; msx: number }[];
    db.close();
    const byId = new Map(EVENTS.map((e) => [e.id, e]));
    const written = WRITTEN.map((e) => e.id);
    for (const row of rows) {
      const e = byId.get(row.id)!;
      expect([row.second, row.msx]).toEqual([Math.floor(e.ms / 1000), e.ms % 1000]);
    }
    // Within a second, n follows the write order.
    const seconds = new Map<number, typeof rows>();
    for (const row of rows) seconds.set(row.second, [...(seconds.get(row.second) ?? []), row]);
    for (const inSecond of seconds.values()) {
      expect(inSecond.map((r) => r.n)).toEqual(inSecond.map((_, i) => i));
      const order = inSecond.map((r) => written.indexOf(r.id));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    expect(seconds.size).toBe(SECONDS);
  });

  it.each(QUERIES)(
    'pages %p in the exact order in both directions, with cursors, and totals it',
    async (query, matches) => {
      for (const [from, to] of WINDOWS) {
        const inWindow = EVENTS.filter((e) => e.ms >= from && e.ms <= to && matches(e));
        for (const order of ['asc', 'desc'] as const) {
          for (const limit of [1, 3, 100]) {
            const { ids, total } = await searchPages(t.store, query, order, limit, from, to);
            expect({ from, to, order, limit, ids }).toEqual({ from, to, order, limit, ids: exact(inWindow, order) });
            expect({ from, to, order, limit, total }).toEqual({
              from,
              to,
              order,
              limit,
              total: `${inWindow.length} eq`,
            });
          }
        }
      }
    },
  );

  it.each(QUERIES)('buckets %p by the row millisecond at window edges inside seconds', async (query, matches) => {
    for (const [from, to] of WINDOWS) {
      for (const intervalMs of [1000, 250]) {
        const buckets = await t.store.histogram({
          query: parseQuery(query),
          from: new Date(from),
          to: new Date(to),
          intervalMs,
        });
        const counts = new Map<number, number>();
        for (const e of EVENTS) {
          if (e.ms < from || e.ms > to || !matches(e)) continue;
          const start = e.ms - (e.ms % intervalMs);
          counts.set(start, (counts.get(start) ?? 0) + 1);
        }
        const got = buckets.filter((b) => b.count > 0).map((b) => [Date.parse(b.key), b.count]);
        const want = [...counts].sort((a, b) => a[0] - b[0]);
        expect({ from, to, intervalMs, got }).toEqual({ from, to, intervalMs, got: want });
      }
    }
  });

  it('gives the events around one in the exact order, across seconds', async () => {
    const order = exact(EVENTS, 'asc');
    for (const anchor of ['e-10', 'e-03', 'e-00', 'e-27']) {
      const at = order.indexOf(anchor);
      const context = await t.store.context({ id: anchor, before: 4, after: 4, hosts: [] });
      expect(context!.before.map((h) => h.id)).toEqual(order.slice(Math.max(0, at - 4), at));
      expect(context!.after.map((h) => h.id)).toEqual(order.slice(at + 1, at + 5));
    }
  });

  it('exports a window cut inside seconds exactly, in pages resumed from a key', async () => {
    for (const [from, to] of WINDOWS) {
      const ids: string[] = [];
      let after: bigint | null = null;
      do {
        const page = await t.store.exportEvents({ from: new Date(from), to: new Date(to), after, limit: 2 });
        ids.push(...page.events.map((e) => e.id));
        after = page.next;
      } while (after !== null);
      const expected = EVENTS.filter((e) => e.ms >= from && e.ms <= to).map((e) => e.id);
      expect(ids.length).toBe(expected.length);
      expect([...ids].sort()).toEqual([...expected].sort());
    }
  });

  it('keeps an ingest time as its distance from the event, and reads, queries and tails by the time itself', async () => {
    // Ingested 2 s after the event, a week after (a shipper catching up), and 1 s before (a host clock ahead).
    const delays = [2000, 7 * 86_400_000, -1000];
    const ingestedAt = delays.map((d, i) => BASE + i + d);
    const events = delays.map((_, i) => {
      const e = storedEvent({ id: `i-${i}`, ms: BASE + i, host: 'web-1', message: 'late' });
      e.doc.event.ingested = new Date(ingestedAt[i]!).toISOString();
      return e;
    });
    const s = await embeddedStoreWith('ingest-delays', events, 3);
    try {
      const db = new Database(join(s.dir, 'events.db'), { readonly: true });
      expect(db.prepare(`SELECT ingested FROM events ORDER BY id`).pluck().all()).toEqual(delays);
      db.close();
      const tail = await s.store.tail({ query: parseQuery(''), sinceMs: 0, limit: 10 });
      expect(tail.map((e) => [e.hit.id, e.position.ingestedMs])).toEqual([
        ['i-2', ingestedAt[2]],
        ['i-0', ingestedAt[0]],
        ['i-1', ingestedAt[1]],
      ]);
      const around = `event.ingested:["${new Date(ingestedAt[0]! - 1).toISOString()}" TO "${new Date(ingestedAt[0]! + 1).toISOString()}"]`;
      const { ids } = await searchPages(s.store, around, 'asc', 10, BASE - 1000, BASE + 1000);
      expect(ids).toEqual(['i-0']);
      const exported = await s.store.exportEvents({
        from: new Date(BASE - 1000),
        to: new Date(BASE + 1000),
        after: null,
        limit: 10,
      });
      expect(exported.events.map((e) => e.doc.event.ingested)).toEqual(
        ingestedAt.map((t) => new Date(t).toISOString()),
      );
    } finally {
      await s.remove();
    }
  });

  it('tails in ingest order, each event once', async () => {
    const ids: string[] = [];
    let after;
    for (;;) {
      const page = await t.store.tail({ query: parseQuery(''), sinceMs: after?.ingestedMs ?? 0, after, limit: 3 });
      ids.push(...page.map((e) => e.hit.id));
      if (page.length < 3) break;
      after = page.at(-1)!.position;
    }
    // Each event is ingested at its own time (storedEvent), ties by id.
    const byIngest = [...EVENTS].sort((a, b) => a.ms - b.ms || a.id.localeCompare(b.id)).map((e) => e.id);
    expect(ids).toEqual(byIngest);
  });
});
