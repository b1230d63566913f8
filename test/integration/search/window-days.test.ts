import { ingestEvents, refresh, startTestCollector, type TestCollector } from '../../support/collector-harness.js';

/**
 * Reads of a window name that window's daily indices (index-templates.ts windowIndices), and the context reads the
 * anchor's day first: events on both sides of a midnight, a page cursor and a context across it, and a window too
 * long to name, which still finds the oldest day.
 */
let collector: TestCollector;

const EVENTS = [
  { id: 'old', timestamp: '2026-09-01T12:00:00.000Z', host: 'web-1', message: 'day one' },
  { id: 'late', timestamp: '2026-11-01T23:59:59.999Z', host: 'web-1', message: 'day two' },
  { id: 'midnight', timestamp: '2026-11-02T00:00:00.000Z', host: 'db-1', message: 'day three' },
  { id: 'early', timestamp: '2026-11-02T00:00:00.001Z', host: 'db-1', message: 'day three' },
  { id: 'noon', timestamp: '2026-11-03T12:00:00.000Z', host: 'web-1', message: 'day four' },
];

beforeAll(async () => {
  // The events are months old: nothing may expire while the test runs.
  collector = await startTestCollector('window-days', { retention_days: 3650 });
  expect((await ingestEvents(collector, EVENTS)).accepted).toBe(5);
  await refresh(collector);
});
afterAll(async () => {
  await collector?.dispose();
});

async function get<T>(path: string, params: Record<string, string>): Promise<T> {
  const res = await fetch(`${collector.url}/api/v1/${path}?${new URLSearchParams(params)}`, {
    headers: { authorization: `Bearer ${collector.tokens.read}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

interface Page {
  hits: { id: string }[];
  next_cursor: string | null;
  total: { value: number };
}

describe('a window across days', () => {
  const around = { from: '2026-11-01T23:00:00.000Z', to: '2026-11-02T01:00:00.000Z' };

  it('finds the events on both sides of midnight, newest first', async () => {
    const page = await get<Page>('search', around);
    expect([page.total.value, page.hits.map((h) => h.id)]).toEqual([3, ['early', 'midnight', 'late']]);
  });

  it('pages one event at a time across midnight without repeating or skipping one', async () => {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 5; i++) {
      const page: Page = await get<Page>('search', { ...around, limit: '1', ...(cursor ? { cursor } : {}) });
      ids.push(...page.hits.map((h) => h.id));
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    expect(ids).toEqual(['early', 'midnight', 'late']);
  });

  it('counts each day in a histogram and each host in top values', async () => {
    const window = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-03T23:59:59.999Z' };
    const histogram = await get<{ buckets: { key: string; count: number }[] }>('histogram', {
      ...window,
      interval: '1d',
    });
    expect(histogram.buckets.map((b) => [b.key, b.count])).toEqual([
      ['2026-11-01T00:00:00.000Z', 1],
      ['2026-11-02T00:00:00.000Z', 2],
      ['2026-11-03T00:00:00.000Z', 1],
    ]);
    const top = await get<{ values: { value: string; count: number }[] }>('fields/host.name/top', window);
    expect(top.values).toEqual([
      { value: 'db-1', count: 2 },
      { value: 'web-1', count: 2 },
    ]);
  });

  it('answers a moved window from the shard request cache for a day it wholly covers', async () => {
    // A reader's window moves with the clock (now-7d…now): two histograms a second apart, both covering the whole of
    // 2 November. That day's shard must answer the second from its cache; it missed while the request named the
    // window's own bounds (extended_bounds) in the aggregation.
    const day = `${collector.indexPrefix}-2026.11.02`;
    const cache = async () => {
      const stats = await collector.target.admin.indices.stats({ index: day, metric: 'request_cache' });
      const { hit_count = -1, miss_count = -1 } = stats._all.primaries?.request_cache ?? {};
      return [hit_count, miss_count] as const;
    };
    const histogram = (shiftMs: number) =>
      get<{ buckets: { count: number }[] }>('histogram', {
        from: new Date(Date.parse('2026-11-01T12:00:00.000Z') + shiftMs).toISOString(),
        to: new Date(Date.parse('2026-11-03T11:00:00.000Z') + shiftMs).toISOString(),
        interval: '1h',
        by: 'host',
      });
    const first = await histogram(0);
    const [hits, misses] = await cache();
    const second = await histogram(1000);
    const [hitsAfter, missesAfter] = await cache();
    expect(second.buckets.map((b) => b.count)).toEqual(first.buckets.map((b) => b.count));
    expect(first.buckets.reduce((sum, b) => sum + b.count, 0)).toBe(3);
    // Both of the day's requests (its events per hour, which tell whether its counts are current, and its events by
    // host, as the hours are not counted yet) come from the cache: no miss.
    expect([hitsAfter - hits, missesAfter - misses]).toEqual([2, 0]);
  });

  it("gives an event's context from its own day and the days around it, in time order", async () => {
    const context = await get<{ anchor: { id: string }; before: { id: string }[]; after: { id: string }[] }>(
      'events/midnight/context',
      { before: '5', after: '5' },
    );
    expect([context.before.map((h) => h.id), context.anchor.id, context.after.map((h) => h.id)]).toEqual([
      ['old', 'late'],
      'midnight',
      ['early', 'noon'],
    ]);
    const near = await get<{ before: { id: string }[]; after: { id: string }[] }>('events/early/context', {
      before: '1',
      after: '1',
    });
    expect([near.before.map((h) => h.id), near.after.map((h) => h.id)]).toEqual([['midnight'], ['noon']]);
  });

  it('reads a window longer than the named days through every day, the oldest included', async () => {
    const page = await get<Page>('search', { from: '2026-08-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' });
    expect([page.total.value, page.hits.map((h) => h.id)]).toEqual([5, ['noon', 'early', 'midnight', 'late', 'old']]);
  });
});
