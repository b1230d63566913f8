import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Level } from '../../../../protocol/event.js';
import { parseQuery } from '../../../../collector/query/parse-query.js';
import type { StoredEvent } from '../../../../collector/store/ecs-document.js';
import { EmbeddedSearch } from '../../../../collector/store/embedded/embedded-search.js';
import { keyLayout } from '../../../../collector/store/embedded/event-key.js';
import type { EmbeddedStore } from '../../../../collector/store/embedded/embedded-store.js';
import { QueryFunctions } from '../../../../collector/store/embedded/sql-functions.js';
import { embeddedStoreWith, searchPages, storedEvent } from '../../../support/embedded-test-store.js';

/**
 * Selective reads whose cost once grew with the data: a rare word (its first page counted every match a second time)
 * and a rare level (the walk and the window's edge minutes read every event of each minute holding one). Pages and
 * totals must stay exactly what reading every event gives: 36,000 events over 3 hours from 12 hosts (200 per
 * minute) and some without a host, a rare level with matches from several hosts in one minute, without a host, in
 * one millisecond, and in the partial minutes at a window's edges.
 */
const START = Date.parse('2026-11-21T00:00:00.000Z');
const EVENTS = 36_000;
/** One event every 300 ms. */
const STEP = 300;
const HOSTS = Array.from({ length: 12 }, (_, h) => `node-${h + 1}`);
/**
 * Fatal events: 12,010 and 12,011 share a minute (two hosts), 12,500 and 20,000 have no host, 20,000 and 20,001
 * share a millisecond.
 */
const FATAL = new Set([5, 3_001, 12_010, 12_011, 12_500, 17_777, 20_000, 20_001, 29_990, 35_995]);
/**
 * Debug events, at these places in each 15-minute slot (3,000 events): node-2 has matches in minutes 0, 3 and 6 of
 * the slot (two in minute 0), node-12 one in its last minute. A sparse slot from two hosts: its minutes are found on
 * the rollup key per host, for several minutes of one host.
 */
const DEBUG_IN_SLOT = new Set([1, 13, 601, 1_213, 2_999]);
/** Events with the rare word: 20,000 and 20,001 share a millisecond. */
const RARE_WORD = new Set([77, 9_000, 20_000, 20_001, 31_313]);

interface Made {
  id: string;
  ms: number;
  host: string | null;
  level: Level;
  message: string;
}

function made(i: number): Made {
  // 'warn' in 1 of 331: ~9 per 15 minutes, sparse slots whose minutes are read in batches of several statements.
  const level: Level = FATAL.has(i)
    ? 'fatal'
    : i % 7 === 0
      ? 'error'
      : i % 331 === 5
        ? 'warn'
        : DEBUG_IN_SLOT.has(i % 3_000)
          ? 'debug'
          : 'info';
  // Every 50th event has no host.
  const host = i % 50 === 0 ? null : HOSTS[i % HOSTS.length]!;
  const ms = START + (i === 20_001 ? 20_000 : i) * STEP;
  const message = `request ${i} finished${RARE_WORD.has(i) ? ' quarantined' : ''}`;
  return { id: `s-${String(i).padStart(5, '0')}`, ms, host, level, message };
}

function stored(m: Made): StoredEvent {
  return storedEvent({ ...m, service: 'api', source: '/var/log/api.log', offset: Number(m.id.slice(2)) });
}

const all = Array.from({ length: EVENTS }, (_, i) => made(i));
let store: EmbeddedStore;
let dir: string;
let remove: () => Promise<void>;

beforeAll(async () => {
  ({ store, dir, remove } = await embeddedStoreWith('selective-reads', all.map(stored), 3_000));
});
afterAll(() => remove());

/** The search order: time, then host (missing first), source, offset, id. */
function ordered(events: Made[], order: 'asc' | 'desc'): string[] {
  const text = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  const sorted = [...events].sort((a, b) => a.ms - b.ms || text(a.host ?? '', b.host ?? '') || text(a.id, b.id));
  return (order === 'asc' ? sorted : sorted.reverse()).map((m) => m.id);
}

function matching(match: (m: Made) => boolean, from: number, to: number): Made[] {
  return all.filter((m) => match(m) && m.ms >= from && m.ms <= to);
}

/** Every id the search pages through, `limit` at a time, and the first page's total. */
function pages(query: string, order: 'asc' | 'desc', limit: number, from: number, to: number) {
  return searchPages(store, query, order, limit, from, to);
}

const isFatal = (m: Made) => m.level === 'fatal';
const hasWord = (m: Made) => RARE_WORD.has(Number(m.id.slice(2)));
const whole = [START - 1_000, START + EVENTS * STEP] as const;

describe('selective reads: every page and total exact', () => {
  it.each([
    ['log.level:fatal', isFatal, FATAL.size],
    ['quarantined', hasWord, RARE_WORD.size],
    ['log.level:warn', (m: Made) => m.level === 'warn', 92],
  ] as const)(
    '%s over the whole window, with pages just under, at and over the number of matches',
    async (query, match, n) => {
      for (const order of ['desc', 'asc'] as const) {
        for (const limit of [1, 2, n - 1, n, n + 1, 100]) {
          const got = await pages(query, order, limit, ...whole);
          expect(got.ids).toEqual(ordered(matching(match, ...whole), order));
          expect(got.total).toBe(`${n} eq`);
        }
      }
    },
  );

  it('cuts the window inside minutes around rare and common matches, totals from the rollup and the edges', async () => {
    // Edges inside the minutes of fatal events 12,010–12,011 (two hosts), 20,000 (no host) and 29,990.
    const windows: [number, number][] = [
      [all[12_010]!.ms - 7, all[29_990]!.ms + 11],
      [all[12_011]!.ms, all[29_990]!.ms],
      [all[12_010]!.ms + 1, all[29_990]!.ms - 1],
      [all[11_990]!.ms + 3, all[12_020]!.ms - 3],
      [all[20_000]!.ms, all[20_000]!.ms],
      [all[19_990]!.ms + 1, all[20_010]!.ms - 1],
    ];
    for (const [from, to] of windows) {
      for (const [query, match] of [
        ['log.level:fatal', isFatal],
        ['log.level:error', (m: Made) => m.level === 'error'],
        ['log.level:fatal AND host.name:node-1', (m: Made) => isFatal(m) && m.host === 'node-1'],
        ['NOT log.level:info', (m: Made) => m.level !== 'info'],
      ] as const) {
        const want = matching(match, from, to);
        // A page of none: the total alone, from the rollup and the partial minutes' events.
        const counted = await store.search({
          query: parseQuery(query),
          from: new Date(from),
          to: new Date(to),
          limit: 0,
          order: 'desc',
        });
        expect(`${query} ${counted.total.value} ${counted.total.relation}`).toBe(`${query} ${want.length} eq`);
        const got = await pages(query, 'desc', 3, from, to);
        expect(got.ids).toEqual(ordered(want, 'desc'));
      }
    }
    expect(windows.map(([from, to]) => matching(isFatal, from, to).length)).toEqual([7, 6, 5, 2, 2, 2]);
  });

  it('reads a sparse slot by the minutes of each of its hosts, with windows cut inside slots and minutes', async () => {
    const isDebug = (m: Made) => m.level === 'debug';
    // The debug events of slot 3 (events 9,000-11,999) and slot 7 (21,000-23,999), which the cuts fall between.
    const at = (slot: number, place: number) => all[slot * 3_000 + place]!.ms;
    const windows: [number, number][] = [
      whole as unknown as [number, number],
      // From inside node-2's first minute (after its first match) to inside its minute 6 (before its match).
      [at(3, 1) + 1, at(7, 1_213) - 1],
      // From the middle of minute 3, which holds the match at 601, to node-12's last minute of slot 7, its match in.
      [at(3, 601) - 5, at(7, 2_999)],
      // Within one slot: node-2's minute 3 alone, and minutes 3 to 14.
      [at(5, 601), at(5, 601)],
      [at(5, 600), at(5, 2_999) - 1],
    ];
    const counts: number[] = [];
    for (const [from, to] of windows) {
      const want = matching(isDebug, from, to);
      counts.push(want.length);
      for (const order of ['desc', 'asc'] as const) {
        for (const limit of [1, 2, 4, 5, 6, 100]) {
          const got = await pages('log.level:debug', order, limit, from, to);
          expect(`${limit} ${order} ${got.ids.join(' ')}`).toBe(`${limit} ${order} ${ordered(want, order).join(' ')}`);
          expect(got.total).toBe(`${want.length} eq`);
        }
      }
    }
    // Of the 60 places, those of events divisible by 7 are errors, and 3,001 is fatal.
    expect(counts).toEqual([50, 20, 21, 1, 2]);
  });

  it('walks a word alone without a call into JavaScript per hit, and still stops a cancelled read', () => {
    const db = new Database(join(dir, 'events.db'), { readonly: true });
    const cancel = new Int32Array(1);
    const functions = new QueryFunctions(cancel);
    functions.register(db);
    // The liveness check as registered, counted: what each statement calls it for.
    let live = 0;
    db.function('ls_live', { deterministic: false }, () => {
      live++;
      return 1;
    });
    const search = new EmbeddedSearch(db, functions, { searchTimeoutMs: 10_000, exactTotalUpTo: 1_000 }, keyLayout(db));
    const request = (query: string) => ({
      query: parseQuery(query),
      from: new Date(whole[0]),
      to: new Date(whole[1]),
      limit: 100,
      order: 'desc' as const,
    });
    try {
      expect(search.search(request('quarantined')).hits.map((h) => h.id)).toEqual(
        ordered(matching(hasWord, ...whole), 'desc'),
      );
      expect(live).toBe(0);
      // Beside another filter, the statement may visit rows that are not hits: checked per row FTS5 gives.
      const withHost = search.search(request('quarantined AND NOT host.name:node-1')).hits;
      expect([withHost.length, live]).toEqual([RARE_WORD.size, RARE_WORD.size]);
      Atomics.store(cancel, 0, 1);
      expect(() => search.search(request('quarantined'))).toThrow(expect.objectContaining({ code: 'QUERY_TIMEOUT' }));
    } finally {
      db.close();
    }
  });

  it('reads only the hosts the rollup counts matches of in a minute (it removes counts)', async () => {
    // Fatal events 12,010 and 12,011 share a minute from two hosts; without node-12's minute row for fatal, the walk
    // and an edge count read only node-11's events of that minute. A walk of the whole minute found both.
    const [a, b] = [all[12_010]!, all[12_011]!];
    expect([a.host, b.host, Math.floor(a.ms / 60_000) === Math.floor(b.ms / 60_000)]).toEqual([
      'node-11',
      'node-12',
      true,
    ]);
    const db = new Database(join(dir, 'events.db'));
    const removed = db
      .prepare(`DELETE FROM event_counts WHERE unit = 1 AND slot = ? AND host = ? AND level = 'fatal'`)
      .run(Math.floor(b.ms / 60_000), b.host).changes;
    db.close();
    expect(removed).toBe(1);
    const want = ordered(matching(isFatal, ...whole), 'desc').filter((id) => id !== b.id);
    expect((await pages('log.level:fatal', 'desc', 100, ...whole)).ids).toEqual(want);
    const edge = await store.search({
      query: parseQuery('log.level:fatal'),
      from: new Date(a.ms - 5),
      to: new Date(b.ms + 5),
      limit: 0,
      order: 'desc',
    });
    expect(edge.total).toEqual({ value: 1, relation: 'eq' });
  });

  it("probes a sparse slot's minutes of a host only until they hold the slot's count (the last test: it changes counts)", async () => {
    // Slot 5's debug events: node-2's 15,013, 15,601 and 16,213 (minutes 0, 3 and 6) and node-12's 17,999. With
    // node-2's count for the slot said to be 1, the walk stops at node-2's first minute with matches in its order;
    // probing every minute found all three.
    const slot = [all[15_000]!.ms, all[17_999]!.ms] as const;
    expect(matching((m) => m.level === 'debug', ...slot).map((m) => `${m.id} ${m.host}`)).toEqual([
      's-15013 node-2',
      's-15601 node-2',
      's-16213 node-2',
      's-17999 node-12',
    ]);
    const db = new Database(join(dir, 'events.db'));
    const changed = db
      .prepare(`UPDATE event_counts SET n = 1 WHERE unit = 15 AND slot = ? AND host = 'node-2' AND level = 'debug'`)
      .run(Math.floor(slot[0] / 900_000)).changes;
    db.close();
    expect(changed).toBe(1);
    expect((await pages('log.level:debug', 'desc', 100, ...slot)).ids).toEqual(['s-17999', 's-16213']);
    expect((await pages('log.level:debug', 'asc', 100, ...slot)).ids).toEqual(['s-15013', 's-17999']);
  });
});
