import { join } from 'node:path';
import { parseQuery } from '../../../../collector/query/parse-query.js';
import type { StoredEvent } from '../../../../collector/store/ecs-document.js';
import type { EmbeddedStore } from '../../../../collector/store/embedded/embedded-store.js';
import { embeddedStoreWith, storedEvent } from '../../../support/embedded-test-store.js';
import { addToRollup } from '../../../support/embedded-rollup.js';

/**
 * The source (log.file.path) in the embedded store's rollup: its facet, totals and histograms over windows cut
 * anywhere are the counts of the events themselves, and they come from the rollup.
 */
const START = Date.parse('2026-11-20T00:00:00.000Z');
const EVENTS = 12_000;
/** One event every 9 s over 30 hours. */
const STEP = 9_000;
const HOSTS = ['web-1', 'web-2', 'db-1'];

interface Made {
  id: string;
  ms: number;
  host: string;
  source: string | undefined;
}

function made(i: number): Made {
  const host = HOSTS[i % 3]!;
  // Two files per host, one rare; every 50th event without a file (a JSON line that names none).
  const source = i % 50 === 0 ? undefined : i % 23 === 0 ? `/var/log/${host}/rare.log` : `/var/log/${host}/app.log`;
  return { id: `s-${i}`, ms: START + i * STEP + (i % 7), host, source };
}

function stored(m: Made): StoredEvent {
  return storedEvent({ ...m, message: `event ${m.id}` });
}

let dir: string;
let store: EmbeddedStore;
let remove: () => Promise<void>;
const all = Array.from({ length: EVENTS }, (_, i) => made(i));

beforeAll(async () => {
  ({ store, dir, remove } = await embeddedStoreWith('source-rollup', all.map(stored), 3_000));
});
afterAll(() => remove());

/** Events per source in [from, to] whose host passes `host`, counted from the made events. */
function expectedFacet(from: number, to: number, host: (h: string) => boolean = () => true): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of all) {
    if (m.ms < from || m.ms > to || !host(m.host) || m.source === undefined) continue;
    counts[m.source] = (counts[m.source] ?? 0) + 1;
  }
  return counts;
}

async function facet(query: string, from: number, to: number): Promise<Record<string, number>> {
  const top = await store.topValues({
    query: parseQuery(query),
    from: new Date(from),
    to: new Date(to),
    field: 'log.file.path',
    size: 100,
  });
  expect(top.other).toBe(0);
  return Object.fromEntries(top.values.map((v) => [v.value, v.count]));
}

async function total(query: string, from: number, to: number): Promise<number> {
  const page = await store.search({
    query: parseQuery(query),
    from: new Date(from),
    to: new Date(to),
    limit: 1,
    order: 'desc',
    // Beyond 10,000 a search counts exactly only queries both stores keep counts for (total-bound.ts), which the
    // source is not; asked for the number itself, the embedded store answers it from its rollup.
    exactTotal: true,
  });
  expect(page.total.relation).toBe('eq');
  return page.total.value;
}

/** The whole span, and windows that start and end inside minutes and 15-minute slots. */
const WINDOWS: [string, number, number][] = [
  ['all', START - 1_000, START + EVENTS * STEP],
  ['ragged', START + 3_600_000 + 7 * 60_000 + 4_321, START + 26 * 3_600_000 + 53 * 60_000 + 17_003],
  ['inside one minute', START + 5 * 3_600_000 + 2_000, START + 5 * 3_600_000 + 50_000],
];

describe('source in the embedded rollup', () => {
  it.each(WINDOWS)('%s: the facet of source is the count of the events', async (_name, from, to) => {
    const want = expectedFacet(from, to);
    expect(Object.keys(want).length).toBeGreaterThanOrEqual(_name === 'inside one minute' ? 2 : 6);
    expect(await facet('', from, to)).toEqual(want);
    expect(await facet('host.name:web-2', from, to)).toEqual(expectedFacet(from, to, (h) => h === 'web-2'));
    expect(await facet('NOT host.name:web-2', from, to)).toEqual(expectedFacet(from, to, (h) => h !== 'web-2'));
  });

  it.each(WINDOWS)(
    '%s: totals and histograms of source filters are the count of the events',
    async (_name, from, to) => {
      const inWindow = all.filter((m) => m.ms >= from && m.ms <= to);
      const rare = inWindow.filter((m) => m.source === '/var/log/db-1/rare.log').length;
      expect(await total('log.file.path:"/var/log/db-1/rare.log"', from, to)).toBe(rare);
      expect(await total('NOT log.file.path:"/var/log/db-1/rare.log" AND host.name:db-1', from, to)).toBe(
        inWindow.filter((m) => m.host === 'db-1' && m.source !== '/var/log/db-1/rare.log').length,
      );
      expect(await total('log.file.path:*', from, to)).toBe(inWindow.filter((m) => m.source).length);
      expect(await total('NOT log.file.path:*', from, to)).toBe(inWindow.filter((m) => !m.source).length);
      const buckets = await store.histogram({
        query: parseQuery('log.file.path:"/var/log/db-1/rare.log" OR log.file.path:"/var/log/web-1/rare.log"'),
        from: new Date(from),
        to: new Date(to),
        intervalMs: 3_600_000,
        by: 'host.name',
      });
      const want = new Map<string, number>();
      for (const m of inWindow) {
        if (!m.source?.endsWith('rare.log') || m.host === 'web-2') continue;
        const key = new Date(m.ms - (m.ms % 3_600_000)).toISOString();
        want.set(key, (want.get(key) ?? 0) + 1);
      }
      expect(buckets.filter((b) => b.count > 0).map((b) => [b.key, b.count])).toEqual([...want]);
      const days = await store.histogram({
        query: parseQuery('NOT log.file.path:"/var/log/web-1/app.log"'),
        from: new Date(from),
        to: new Date(to),
        intervalMs: 86_400_000,
      });
      const perDay = new Map<string, number>();
      for (const m of inWindow) {
        if (m.source === '/var/log/web-1/app.log') continue;
        const key = new Date(m.ms - (m.ms % 86_400_000)).toISOString();
        perDay.set(key, (perDay.get(key) ?? 0) + 1);
      }
      expect(days.filter((b) => b.count > 0).map((b) => [b.key, b.count])).toEqual([...perDay]);
    },
  );

  it('answers from the rollup (the last test: it changes a count)', async () => {
    const [, from, to] = WINDOWS[0]!;
    const changed = addToRollup(join(dir, 'events.db'), START + 10 * 3_600_000, '/var/log/web-1/app.log', 1000);
    expect(changed).toBe(3);
    const want = expectedFacet(from, to);
    const more = want['/var/log/web-1/app.log']! + 1000;
    expect(await facet('', from, to)).toEqual({ ...want, '/var/log/web-1/app.log': more });
    expect(await total('log.file.path:"/var/log/web-1/app.log"', from, to)).toBe(more);
  });
});
