import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseQuery } from '../../../../collector/query/parse-query.js';
import {
  idTextSql,
  OFFSET_BITS,
  registerIdFunctions,
  shipperIdParts,
} from '../../../../collector/store/embedded/event-ids.js';
import type { SortKey } from '../../../../collector/store/log-store.js';
import { eventId, eventIdPrefix } from '../../../../shipper/event-id.js';
import { embeddedStoreWith, storedEvent, type TestStore } from '../../../support/embedded-test-store.js';

/**
 * Ids as the embedded store keeps them (event-ids.ts): a shipper's as its prefix's code and its offset in one
 * INTEGER, any other as text. Every read gives each id back exactly, a line sent again is a duplicate whatever its
 * form, the orders by id are the texts' orders, and retention deletes a prefix with the last of its events.
 */
const DAY = 86_400_000;
const START = Date.parse('2026-11-20T00:00:00.000Z');
const WINDOW = { from: new Date(START - DAY), to: new Date(START + 10 * DAY) };
let opened: TestStore | undefined;

afterEach(() => opened?.remove());

/** Stored values of the ids: [id value's SQLite type, count]. */
function storedTypes(dir: string): Record<string, number> {
  const db = new Database(join(dir, 'events.db'), { readonly: true });
  try {
    const rows = db.prepare(`SELECT typeof(id) AS t, count(*) AS n FROM events GROUP BY t`).all() as {
      t: string;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.t, r.n]));
  } finally {
    db.close();
  }
}

function prefixes(dir: string): string[] {
  const db = new Database(join(dir, 'events.db'), { readonly: true });
  try {
    return db.prepare(`SELECT prefix FROM id_prefixes ORDER BY code`).pluck().all() as string[];
  } finally {
    db.close();
  }
}

describe('shipper-shaped ids', () => {
  it("takes a shipper's ids apart, and leaves every other id whole", () => {
    const prefix = eventIdPrefix('web-1', '/var/log/app.log:1234');
    expect(shipperIdParts(eventId('web-1', '/var/log/app.log:1234', 0))).toEqual({ prefix, offset: 0 });
    expect(shipperIdParts(eventId('web-1', '/var/log/app.log:1234', 987_654_321))).toEqual({
      prefix,
      offset: 987_654_321,
    });
    expect(shipperIdParts(`${prefix}${(2 ** OFFSET_BITS - 1).toString(36)}`)).toEqual({
      prefix,
      offset: 2 ** OFFSET_BITS - 1,
    });
    // Each would come back as another text: a leading zero, upper case, the offset too large; or another shape.
    for (const id of [
      `${prefix}0a`,
      `${prefix}A`,
      `${prefix}${(2 ** OFFSET_BITS).toString(36)}`,
      `${prefix}123456789`,
      prefix,
      `${prefix.slice(0, 15)}.1`,
      '550e8400-e29b-41d4-a716-446655440000',
      'b-17',
      '',
    ]) {
      expect([id, shipperIdParts(id)]).toEqual([id, null]);
    }
  });

  it('keeps them as numbers, gives each id back to every read, and finds a line sent again as a duplicate', async () => {
    const shipped = Array.from({ length: 60 }, (_, i) =>
      storedEvent({
        id: eventId(`web-${i % 3}`, `/var/log/app-${i % 2}.log`, i * 100),
        ms: START + i * 1000,
        host: `web-${i % 3}`,
        source: `/var/log/app-${i % 2}.log`,
        offset: i * 100,
        message: `shipped line ${i}`,
      }),
    );
    const other = Array.from({ length: 20 }, (_, i) =>
      storedEvent({
        id: i % 2 ? `client-${i}` : `${shipped[i]!.id}-x`,
        ms: START + 500 + i * 1000,
        message: `other ${i}`,
      }),
    );
    // A shipper's id with "-x" after it is not base 36 after its 16 characters: kept as text.
    opened = await embeddedStoreWith('event-ids', [...shipped, ...other], 40);
    const { store, dir } = opened;
    expect(storedTypes(dir)).toEqual({ integer: 60, text: 20 });
    expect(prefixes(dir)).toHaveLength(6);

    const page = await store.search({ query: parseQuery(''), ...WINDOW, limit: 1000, order: 'asc' });
    const written = [...shipped, ...other].sort((a, b) => a.doc['@timestamp'].localeCompare(b.doc['@timestamp']));
    expect(page.hits.map((h) => h.id)).toEqual(written.map((e) => e.id));
    for (const e of [shipped[0]!, shipped[59]!, other[0]!, other[1]!]) expect((await store.event(e.id))?.id).toBe(e.id);
    // Of a shipper's shape, but never stored: its prefix is unknown, or its offset is not there.
    expect(await store.event(eventId('web-9', '/var/log/none.log', 5))).toBeNull();
    expect(await store.event(eventId('web-0', '/var/log/app-0.log', 7))).toBeNull();
    const context = await store.context({ id: shipped[30]!.id, before: 2, after: 2, hosts: [] });
    expect([...context!.before, context!.anchor, ...context!.after].map((h) => h.id)).toEqual(
      written.slice(48, 53).map((e) => e.id),
    );
    const exported = await store.exportEvents({ ...WINDOW, after: null, limit: 1000 });
    expect(exported.events.map((e) => e.id)).toEqual(written.map((e) => e.id));

    const again = await store.write([...shipped.slice(10, 20), ...other.slice(0, 4)]);
    expect(again).toMatchObject({ accepted: 0, duplicates: 14 });
    expect(storedTypes(dir)).toEqual({ integer: 60, text: 20 });
  });

  it('orders ties and the tail by the ids as texts, whatever their stored forms', async () => {
    // One millisecond, one host, one file, one offset: only the ids tell the events apart.
    const ids = [
      eventId('a', 'f', 10),
      eventId('b', 'f', 3),
      eventId('c', 'f', 36 ** 4),
      'zz-text',
      'AA-text',
      `${eventIdPrefix('a', 'f')}09`,
      eventId('a', 'f', 9),
    ];
    const written = ids.map((id) =>
      storedEvent({ id, ms: START, host: 'db-1', source: '/var/log/db.log', offset: 5, message: `tie ${id}` }),
    );
    opened = await embeddedStoreWith('event-ids', written, written.length);
    const { store, dir } = opened;
    expect(storedTypes(dir)).toEqual({ integer: 4, text: 3 });
    const sorted = [...ids].sort();
    for (const order of ['asc', 'desc'] as const) {
      // A page of one at a time: each page starts after the last one's id.
      const seen: string[] = [];
      let after: SortKey | undefined;
      for (let i = 0; i < ids.length + 1; i++) {
        const page = await store.search({
          query: parseQuery(''),
          ...WINDOW,
          limit: 1,
          order,
          after,
          countTotal: false,
        });
        if (page.hits.length === 0) break;
        seen.push(page.hits[0]!.id);
        after = page.lastKey ?? undefined;
      }
      expect([order, seen]).toEqual([order, order === 'asc' ? sorted : [...sorted].reverse()]);
    }
    // The ids' texts in SQL (idTextSql), which the tail and the ties are ordered by.
    const db = new Database(join(dir, 'events.db'), { readonly: true });
    try {
      registerIdFunctions(db);
      expect(
        db
          .prepare(`SELECT ${idTextSql('id')} AS t FROM events ORDER BY t`)
          .pluck()
          .all(),
      ).toEqual(sorted);
    } finally {
      db.close();
    }
    // The tail: ingest time (the same for all), then id; and from a position, what comes after it.
    const tail = await store.tail({ query: parseQuery(''), sinceMs: 0, limit: 100 });
    expect(tail.map((t) => t.hit.id)).toEqual(sorted);
    const rest = await store.tail({ query: parseQuery(''), sinceMs: START, after: tail[2]!.position, limit: 100 });
    expect(rest.map((t) => t.hit.id)).toEqual(sorted.slice(3));
  });

  it('deletes a prefix with the last of its events, and a prefix used again gets a new code', async () => {
    const line = (offset: number, ms: number) =>
      storedEvent({ id: eventId('web-1', 'app', offset), ms, host: 'web-1', message: `line at ${offset}` });
    opened = await embeddedStoreWith('event-ids', [line(0, START), line(100, START + 2 * DAY)], 2);
    const { store, dir } = opened;
    const prefix = eventIdPrefix('web-1', 'app');
    expect(prefixes(dir)).toEqual([prefix]);
    // The first line expires, the prefix stays with the second.
    await store.applyRetention({ retentionDays: 0, deadLetterRetentionDays: 30 }, new Date(START + DAY));
    expect(prefixes(dir)).toEqual([prefix]);
    // Both lines expire; the prefix is kept an hour longer, for a read that found a row just before.
    await store.applyRetention({ retentionDays: 0, deadLetterRetentionDays: 30 }, new Date(START + 2 * DAY + 1000));
    expect(prefixes(dir)).toEqual([prefix]);
    await store.applyRetention({ retentionDays: 0, deadLetterRetentionDays: 30 }, new Date(START + 3 * DAY));
    expect(prefixes(dir)).toEqual([]);
    // The same file's next line: a new row of id_prefixes, read back as the same id.
    await store.write([line(200, START + 3 * DAY)]);
    expect(prefixes(dir)).toEqual([prefix]);
    expect((await store.event(eventId('web-1', 'app', 200)))?.id).toBe(eventId('web-1', 'app', 200));
    const page = await store.search({ query: parseQuery(''), ...WINDOW, limit: 10, order: 'asc' });
    expect(page.hits.map((h) => h.id)).toEqual([eventId('web-1', 'app', 200)]);
  });
});
