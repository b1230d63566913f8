import { parseQuery } from '../../../../collector/query/parse-query.js';
import type { SortKey } from '../../../../collector/store/log-store.js';
import { EVENT_COUNT, WINDOW, expectedIds, words } from '../conformance-fixture.js';
import type { CaseContext } from '../case-context.js';

const PAGE = 37;

/** Cursor paging: every event once, in the exact search order, with the same exact total on every page. */
export function pagingCases(ctx: CaseContext): void {
  describe('paging', () => {
    it.each([
      ['asc', ''],
      ['desc', ''],
      ['asc', 'host:web-1 OR timeout'],
      ['desc', 'host:web-1 OR timeout'],
      ['desc', 'connection OR saving OR order'],
    ] as const)('pages %s through "%s" with cursors, without repeats or gaps', async (order, q) => {
      const expected =
        q === ''
          ? expectedIds(ctx.events, () => true, order)
          : q.startsWith('host')
            ? expectedIds(ctx.events, (e) => e.host === 'web-1' || words(e).includes('timeout'), order)
            : expectedIds(
                ctx.events,
                (e) => ['connection', 'saving', 'order'].some((w) => words(e).includes(w)),
                order,
              );
      const ids: string[] = [];
      const totals = new Set<number>();
      let after: SortKey | undefined;
      let pages = 0;
      for (; pages < 100; pages++) {
        const page = await ctx.sut.store.search({
          query: parseQuery(q),
          ...WINDOW,
          limit: PAGE,
          order,
          ...(after ? { after } : {}),
        });
        expect(page.total.relation).toBe('eq');
        totals.add(page.total.value);
        ids.push(...page.hits.map((h) => h.id));
        if (page.hits.length < PAGE) expect(page.lastKey).toBeNull();
        if (!page.lastKey) break;
        after = page.lastKey;
      }
      expect([...totals]).toEqual([expected.length]);
      expect(ids).toEqual(expected);
      expect(pages).toBe(Math.floor(expected.length / PAGE));
      if (q === '') expect(ids).toHaveLength(EVENT_COUNT);
    });
  });
}
