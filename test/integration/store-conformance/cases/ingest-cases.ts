import type { StoredEvent } from '../../../../collector/store/ecs-document.js';
import { BASE_MS, EVENT_COUNT, WINDOW } from '../conformance-fixture.js';
import type { CaseContext } from '../case-context.js';

/** Writes: every event stored once, an id sent again counted as a duplicate. */
export function ingestCases(ctx: CaseContext): void {
  it('accepts every event of the fixture once', () => {
    expect(ctx.outcomes).toEqual([
      { accepted: EVENT_COUNT / 2, duplicates: 0, failures: [] },
      { accepted: EVENT_COUNT / 2, duplicates: 0, failures: [] },
    ]);
  });

  it('counts a resent batch as duplicates and stores nothing twice', async () => {
    const again = await ctx.sut.store.write(ctx.events.slice(100, 150));
    expect(again).toEqual({
      accepted: 0,
      duplicates: 50,
      duplicateIndexes: Array.from({ length: 50 }, (_, i) => i),
      failures: [],
    });
    await ctx.sut.refresh();
    const page = await ctx.sut.store.search({ query: { kind: 'all' }, ...WINDOW, limit: 1, order: 'desc' });
    expect(page.total).toEqual({ value: EVENT_COUNT, relation: 'eq' });
  });

  it('counts an id repeated inside one request once as accepted and once as duplicate', async () => {
    // Three days before the fixture, so the window every other case reads does not see it.
    const at = new Date(BASE_MS - 3 * 86_400_000).toISOString();
    const event: StoredEvent = {
      id: 'cf-twice',
      doc: {
        '@timestamp': at,
        message: 'sent twice in one request',
        host: { name: 'web-9' },
        log: { level: 'warn', file: { path: '/var/log/app.log' }, offset: 77 },
        event: { id: 'cf-twice', ingested: at, dataset: 'plain' },
        labels: { env: 'prod' },
        'http.response.status_code': 418,
      },
    };
    expect(await ctx.sut.store.write([event, event])).toEqual({
      accepted: 1,
      duplicates: 1,
      duplicateIndexes: [1],
      failures: [],
    });
    await ctx.sut.refresh();
    const page = await ctx.sut.store.search({
      query: { kind: 'all' },
      from: new Date(Date.parse(at) - 1000),
      to: new Date(Date.parse(at) + 1000),
      limit: 10,
      order: 'desc',
    });
    expect(page.total).toEqual({ value: 1, relation: 'eq' });
    expect(page.hits).toEqual([
      {
        id: 'cf-twice',
        timestamp: at,
        host: 'web-9',
        service: null,
        level: 'warn',
        source: '/var/log/app.log',
        offset: 77,
        message: 'sent twice in one request',
        fields: { env: 'prod', 'http.response.status_code': 418 },
      },
    ]);
  });
}
