import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Level } from '../../../../protocol/event.js';
import { parseQuery } from '../../../../collector/query/parse-query.js';
import type { StoredEvent } from '../../../../collector/store/ecs-document.js';
import { EmbeddedSearch } from '../../../../collector/store/embedded/embedded-search.js';
import { keyLayout } from '../../../../collector/store/embedded/event-key.js';
import type { EmbeddedStore } from '../../../../collector/store/embedded/embedded-store.js';
import { embeddedStoreWith, searchPages, storedEvent } from '../../../support/embedded-test-store.js';
import { QueryFunctions } from '../../../../collector/store/embedded/sql-functions.js';

/**
 * Searches on service, level and source, which have no index: the walk visits only the 15-minute slots and minutes the rollup
 * counts matches in. Each page must be exactly what a walk of every row gives: the events in time order, none
 * skipped or repeated across pages, in either order, also where matches are sparse, dense, or share a millisecond.
 */
const START = Date.parse('2026-11-20T00:00:00.000Z');
const EVENTS = 20_000;
/** One event every 2.16 s over 12 hours. */
const STEP = Math.floor((12 * 3_600_000) / EVENTS);

interface Made {
  id: string;
  ms: number;
  service: string;
  level: Level;
}

function made(i: number): Made {
  const ms = START + i * STEP;
  // 'fatal' in 7 events far apart, two of them in one millisecond-sharing pair; 'error' in 1 of 9; one service rare.
  const level: Level = [1_234, 1_235, 5_000, 9_999, 15_000, 19_998, 19_999].includes(i)
    ? 'fatal'
    : i % 9 === 0
      ? 'error'
      : 'info';
  const service = i % 4_001 === 17 ? 'billing' : i % 2 === 0 ? 'web' : 'api';
  return { id: `g-${i}`, ms: i === 1_235 ? START + 1_234 * STEP : ms, service, level };
}

/** The billing service writes a file of its own: a rare source. */
function sourceOf(m: Made): string {
  return m.service === 'billing' ? '/var/log/billing.log' : '/var/log/app.log';
}

function stored(m: Made): StoredEvent {
  return storedEvent({
    ...m,
    message: `event ${m.id}`,
    host: 'h-1',
    source: sourceOf(m),
    offset: Number(m.id.slice(2)),
  });
}

let dir: string;
let store: EmbeddedStore;
let remove: () => Promise<void>;
const all = Array.from({ length: EVENTS }, (_, i) => made(i));

beforeAll(async () => {
  ({ store, dir, remove } = await embeddedStoreWith('guided-walk', all.map(stored), 2_000));
});
afterAll(() => remove());

/** Every id the search pages through, `limit` at a time, and the first page's total. */
function pages(query: string, order: 'asc' | 'desc', limit: number, from: number, to: number) {
  return searchPages(store, query, order, limit, from, to);
}

/** The ids a walk of every row gives: time order, then offset within a millisecond (one host and file). */
function expected(match: (m: Made) => boolean, order: 'asc' | 'desc', from: number, to: number): string[] {
  const ids = all.filter((m) => match(m) && m.ms >= from && m.ms <= to).map((m) => m.id);
  return order === 'asc' ? ids : ids.reverse();
}

describe('searches on service, level and source, walked by the rollup', () => {
  const whole = [START - 1_000, START + EVENTS * STEP] as const;
  const cases: [string, (m: Made) => boolean][] = [
    ['log.level:fatal', (m) => m.level === 'fatal'],
    ['log.level:error', (m) => m.level === 'error'],
    ['service.name:billing', (m) => m.service === 'billing'],
    ['log.file.path:"/var/log/billing.log"', (m) => sourceOf(m) === '/var/log/billing.log'],
    ['log.file.path:"/var/log/app.log" AND log.level:fatal', (m) => m.service !== 'billing' && m.level === 'fatal'],
    ['service.name:billing OR log.level:fatal', (m) => m.service === 'billing' || m.level === 'fatal'],
    [
      'host.name:h-1 AND (log.level:fatal OR log.level:error) AND service.name:api',
      (m) => m.level !== 'info' && m.service === 'api',
    ],
    // Under NOT, and beside filters the rollup does not keep, the guide is the query's upper bound on the rollup.
    ['NOT log.level:info AND service.name:web', (m) => m.level !== 'info' && m.service === 'web'],
    ['NOT log.level:info AND NOT log.level:error', (m) => m.level === 'fatal'],
    ['log.level:fatal AND log.offset:>=5000', (m) => m.level === 'fatal' && Number(m.id.slice(2)) >= 5000],
    [
      'service.name:billing AND NOT log.offset:[0 TO 9000]',
      (m) => m.service === 'billing' && Number(m.id.slice(2)) > 9000,
    ],
    [
      '(log.level:fatal AND event.dataset:plain) OR service.name:billing',
      (m) => m.level === 'fatal' || m.service === 'billing',
    ],
    ['NOT (service.name:web OR service.name:api)', (m) => m.service === 'billing'],
    ['service.name:nosuch', () => false],
  ];

  it.each(cases)('%s: every page, both orders, exactly the events a walk of every row finds', async (query, match) => {
    for (const order of ['desc', 'asc'] as const) {
      for (const limit of [1, 3, 100]) {
        const want = expected(match, order, ...whole);
        // A page of 1 through a common value would take thousands of pages: its first 300 are enough.
        if (limit === 1 && want.length > 300) continue;
        const got = await pages(query, order, limit, ...whole);
        expect(got.ids).toEqual(want);
        expect(got.total).toBe(`${want.length} eq`);
      }
    }
  });

  it('cuts the window inside slots at both ends', async () => {
    // From the middle of a 15-minute slot to the middle of a minute, around fatal events 5,000 and 9,999.
    const from = all[4_990]!.ms + 7;
    const to = all[10_005]!.ms - 3;
    for (const order of ['desc', 'asc'] as const) {
      const got = await pages('log.level:fatal OR service.name:billing', order, 2, from, to);
      expect(got.ids).toEqual(expected((m) => m.level === 'fatal' || m.service === 'billing', order, from, to));
      expect(got.ids.length).toBe(3);
    }
  });

  it('stops a cancelled guided walk between the minutes it reads', () => {
    const db = new Database(join(dir, 'events.db'), { readonly: true });
    const cancel = new Int32Array(1);
    const functions = new QueryFunctions(cancel);
    functions.register(db);
    const search = new EmbeddedSearch(db, functions, { searchTimeoutMs: 10_000, exactTotalUpTo: 1_000 }, keyLayout(db));
    const request = {
      query: parseQuery('log.level:fatal'),
      from: new Date(START),
      to: new Date(START + EVENTS * STEP),
      limit: 100,
      order: 'desc' as const,
      countTotal: false,
    };
    expect(search.search(request).hits).toHaveLength(7);
    Atomics.store(cancel, 0, 1);
    expect(() => search.search(request)).toThrow(expect.objectContaining({ code: 'QUERY_TIMEOUT' }));
    db.close();
  });

  it('walks only the slots the rollup counts matches in (the last test: it removes counts)', async () => {
    const fatal = all[5_000]!;
    const db = new Database(join(dir, 'events.db'));
    const removed = db
      .prepare(`DELETE FROM event_counts WHERE level = 'fatal' AND slot = ? / (unit * 60000)`)
      .run(fatal.ms - (fatal.ms % 60_000)).changes;
    db.close();
    expect(removed).toBe(2);
    const want = expected((m) => m.level === 'fatal', 'desc', ...whole);
    // Guided: the event whose counts are gone is not walked, also beside a filter the rollup does not keep. Driven by
    // a word, the walk reads every match and finds it.
    const without = want.filter((id) => id !== fatal.id);
    expect((await pages('log.level:fatal', 'desc', 100, ...whole)).ids).toEqual(without);
    expect((await pages('log.level:fatal AND log.offset:>=0', 'desc', 100, ...whole)).ids).toEqual(without);
    expect((await pages('log.level:fatal AND NOT service.name:nosuch', 'desc', 100, ...whole)).ids).toEqual(without);
    expect((await pages('log.level:fatal AND event', 'desc', 100, ...whole)).ids).toEqual(want);
  });
});
