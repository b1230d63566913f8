import { parseQuery } from '../../../../collector/query/parse-query.js';
import { BASE_MS, INGESTED, STEP_MS, WINDOW, compareEvents, words, type FixtureEvent } from '../conformance-fixture.js';
import type { CaseContext } from '../case-context.js';

const HOUR = 3_600_000;

function countBy<T extends string | number>(
  events: readonly FixtureEvent[],
  key: (e: FixtureEvent) => T,
): Map<T, number> {
  const counts = new Map<T, number>();
  for (const e of events) counts.set(key(e), (counts.get(key(e)) ?? 0) + 1);
  return counts;
}

/** Histogram, top values, fields, context, tail and hosts: the read side beyond search. */
export function readCases(ctx: CaseContext): void {
  describe('histogram', () => {
    // "NOT zyzzyva" matches everything but must read the events; "" may be answered from counts kept at write.
    it.each(['NOT zyzzyva', ''])(
      'counts events per hour for "%s", empty buckets included, stacked by host',
      async (q) => {
        const buckets = await ctx.sut.store.histogram({
          query: parseQuery(q),
          from: new Date(BASE_MS - 2 * HOUR),
          to: WINDOW.to,
          intervalMs: HOUR,
          by: 'host.name',
        });
        const first = Math.floor((BASE_MS - 2 * HOUR) / HOUR) * HOUR;
        const last = Math.floor(WINDOW.to.getTime() / HOUR) * HOUR;
        const expected = [];
        for (let t = first; t <= last; t += HOUR) {
          const inBucket = ctx.events.filter((e) => e.ms >= t && e.ms < t + HOUR);
          const by = Object.fromEntries(countBy(inBucket, (e) => e.host ?? '(none)'));
          expected.push({
            key: new Date(t).toISOString(),
            count: inBucket.length,
            ...(inBucket.length ? { by } : { by: {} }),
          });
        }
        expect(buckets).toEqual(expected);
        expect(buckets).toHaveLength(3);
      },
    );

    it('counts only matching events per minute', async () => {
      const buckets = await ctx.sut.store.histogram({ query: parseQuery('host:db-1'), ...WINDOW, intervalMs: 60_000 });
      expect(buckets.reduce((s, b) => s + b.count, 0)).toBe(ctx.events.filter((e) => e.host === 'db-1').length);
      expect(buckets.map((b) => b.count)).toEqual(
        buckets.map((b) => {
          const t = Date.parse(b.key);
          return ctx.events.filter((e) => e.host === 'db-1' && e.ms >= t && e.ms < t + 60_000).length;
        }),
      );
    });
  });

  describe('a read whose asker went away', () => {
    // Elasticsearch's /fields reads index metadata only: nothing there is worth stopping.
    it('is refused with QUERY_CANCELLED for search, histogram and top values, and the next read is answered', async () => {
      const gone = AbortSignal.abort();
      const filter = { query: parseQuery(''), ...WINDOW, signal: gone };
      const reads = [
        ctx.sut.store.search({ ...filter, limit: 10, order: 'desc' }),
        ctx.sut.store.histogram({ ...filter, intervalMs: HOUR }),
        ctx.sut.store.topValues({ ...filter, field: 'host.name', size: 5 }),
      ];
      const outcomes = await Promise.allSettled(reads);
      expect(
        outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code?: string }).code : 'answered')),
      ).toEqual(['QUERY_CANCELLED', 'QUERY_CANCELLED', 'QUERY_CANCELLED']);
      const next = await ctx.sut.store.search({ query: parseQuery(''), ...WINDOW, limit: 10, order: 'desc' });
      expect(next.hits).toHaveLength(10);
    });
  });

  describe('top values', () => {
    it('counts the most frequent hosts exactly, the rest as other', async () => {
      const top = await ctx.sut.store.topValues({ query: { kind: 'all' }, ...WINDOW, field: 'host.name', size: 2 });
      const counts = [
        ...countBy(
          ctx.events.filter((e) => e.host),
          (e) => e.host!,
        ),
      ].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      expect(top).toEqual({
        values: counts.slice(0, 2).map(([value, count]) => ({ value, count })),
        other: counts.slice(2).reduce((s, [, n]) => s + n, 0),
        exact: true,
      });
    });

    it('counts numeric values of matching events', async () => {
      const top = await ctx.sut.store.topValues({
        query: parseQuery('host:web-1'),
        ...WINDOW,
        field: 'http.response.status_code',
        size: 3,
      });
      const counts = [
        ...countBy(
          ctx.events.filter((e) => e.host === 'web-1' && e.status !== null),
          (e) => e.status!,
        ),
      ].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      expect(top.values).toEqual(counts.slice(0, 3).map(([value, count]) => ({ value, count })));
      expect(top.other).toBe(counts.slice(3).reduce((s, [, n]) => s + n, 0));
    });
  });

  describe('fields', () => {
    it('lists core, parsed and label fields with their types', async () => {
      const fields = await ctx.sut.store.fields({ query: { kind: 'all' }, ...WINDOW });
      expect(fields).toEqual(
        expect.arrayContaining([
          { name: '@timestamp', type: 'date' },
          { name: 'message', type: 'text' },
          { name: 'host.name', type: 'keyword' },
          { name: 'log.offset', type: 'long' },
          { name: 'labels.env', type: 'keyword' },
          { name: 'http.response.status_code', type: 'long' },
          { name: 'url.path', type: 'keyword' },
        ]),
      );
    });
  });

  describe('context', () => {
    const sorted = () => [...ctx.events].sort(compareEvents);

    it('returns the events before and after an anchor from every host, in time order', async () => {
      const all = sorted();
      const at = all.findIndex((e) => e.id === 'cf-00301');
      const result = await ctx.sut.store.context({ id: 'cf-00301', before: 6, after: 5, hosts: [] });
      expect(result?.anchor.id).toBe('cf-00301');
      expect(result?.before.map((h) => h.id)).toEqual(all.slice(at - 6, at).map((e) => e.id));
      expect(result?.after.map((h) => h.id)).toEqual(all.slice(at + 1, at + 6).map((e) => e.id));
    });

    it('keeps to the chosen hosts and the window', async () => {
      const anchor = ctx.events.find((e) => e.id === 'cf-00402')!;
      const result = await ctx.sut.store.context({
        id: 'cf-00402',
        before: 50,
        after: 50,
        hosts: ['db-1'],
        windowMs: 10 * STEP_MS,
      });
      const near = sorted().filter((e) => e.host === 'db-1' && Math.abs(e.ms - anchor.ms) <= 10 * STEP_MS);
      const at = (e: FixtureEvent) => compareEvents(e, anchor);
      expect(result?.before.map((h) => h.id)).toEqual(near.filter((e) => at(e) < 0).map((e) => e.id));
      expect(result?.after.map((h) => h.id)).toEqual(near.filter((e) => at(e) > 0).map((e) => e.id));
    });

    it('answers null for an unknown id', async () => {
      expect(await ctx.sut.store.context({ id: 'cf-none', before: 5, after: 5, hosts: [] })).toBeNull();
    });
  });

  describe('tail', () => {
    it('returns events ingested since a time, by ingest time then id, matching the query', async () => {
      const since = Date.parse(INGESTED[1]);
      const tail = await ctx.sut.store.tail({ query: parseQuery('timeout OR host:db-1'), sinceMs: since, limit: 40 });
      const expected = ctx.events
        .filter((e) => e.batch === 1 && (words(e).includes('timeout') || e.host === 'db-1'))
        .map((e) => e.id)
        .sort()
        .slice(0, 40);
      expect(tail.map((t) => t.hit.id)).toEqual(expected);
      expect(new Set(tail.map((t) => t.position.ingestedMs))).toEqual(new Set([since]));
    });
  });

  describe('hosts', () => {
    it('lists every host with its last event', async () => {
      const hosts = await ctx.sut.store.hosts(new Date(INGESTED[1]));
      expect(hosts.map((h) => [h.host, h.lastEventAt])).toEqual([
        ['cache-1', INGESTED[1]],
        ['db-1', INGESTED[1]],
        ['web-1', INGESTED[1]],
        ['web-2', INGESTED[1]],
        ['web-9', new Date(BASE_MS - 3 * 86_400_000).toISOString()],
      ]);
    });
  });
}
