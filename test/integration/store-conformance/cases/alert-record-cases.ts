import type { CaseContext } from '../case-context.js';
import { EVENT_COUNT, WINDOW } from '../conformance-fixture.js';

/**
 * Alert records: versioned JSON documents written only at the version last read. Collectors sharing a store agree
 * on the evaluation lease, on each state change and on each notification claim through these writes alone, so
 * every store must refuse a stale write the same way.
 */
export function alertRecordCases(ctx: CaseContext): void {
  describe('alert records', () => {
    it('creates a record once: a second create of the same id is refused and changes nothing', async () => {
      const store = ctx.sut.store;
      const first = await store.putAlertRecord('rule', 'create-once', { n: 1, text: 'é ✓ \u2028' }, null);
      expect(first).toEqual(expect.any(String));
      expect(await store.putAlertRecord('rule', 'create-once', { n: 2 }, null)).toBeNull();
      expect(await store.getAlertRecord('rule', 'create-once')).toEqual({
        kind: 'rule',
        id: 'create-once',
        version: first,
        body: { n: 1, text: 'é ✓ \u2028' },
      });
    });

    it('writes at the current version only, and each write gets a new version', async () => {
      const store = ctx.sut.store;
      const v1 = (await store.putAlertRecord('state', 'cas', { step: 1 }, null))!;
      const v2 = (await store.putAlertRecord('state', 'cas', { step: 2 }, v1))!;
      expect(v2).toEqual(expect.any(String));
      expect(v2).not.toBe(v1);
      expect(await store.putAlertRecord('state', 'cas', { step: 3 }, v1)).toBeNull();
      expect(await store.putAlertRecord('state', 'cas', { step: 3 }, 'not-a-version')).toBeNull();
      expect(await store.putAlertRecord('state', 'absent', { step: 1 }, v2)).toBeNull();
      expect(await store.getAlertRecord('state', 'absent')).toBeNull();
      expect((await store.getAlertRecord('state', 'cas'))?.body).toEqual({ step: 2 });
    });

    it('deletes at the current version only; a record written again never takes an old version', async () => {
      const store = ctx.sut.store;
      const v1 = (await store.putAlertRecord('lease', 'del', { holder: 'a' }, null))!;
      const v2 = (await store.putAlertRecord('lease', 'del', { holder: 'b' }, v1))!;
      expect(await store.deleteAlertRecord('lease', 'del', v1)).toBe(false);
      expect(await store.deleteAlertRecord('lease', 'del', v2)).toBe(true);
      expect(await store.getAlertRecord('lease', 'del')).toBeNull();
      expect(await store.deleteAlertRecord('lease', 'del')).toBe(false);
      const v3 = (await store.putAlertRecord('lease', 'del', { holder: 'c' }, null))!;
      expect([v1, v2]).not.toContain(v3);
      // A collector that read the record before it was deleted cannot overwrite the new one.
      expect(await store.putAlertRecord('lease', 'del', { holder: 'stale' }, v1)).toBeNull();
      expect(await store.putAlertRecord('lease', 'del', { holder: 'stale' }, v2)).toBeNull();
      expect(await store.deleteAlertRecord('lease', 'del')).toBe(true);
    });

    it('lets exactly one of 12 writers at the same version win, and loses no update of 12 retrying writers', async () => {
      const store = ctx.sut.store;
      const base = (await store.putAlertRecord('state', 'race', { count: 0 }, null))!;
      const racing = await Promise.all(
        Array.from({ length: 12 }, (_, i) => store.putAlertRecord('state', 'race', { count: 1, by: i }, base)),
      );
      expect(racing.filter((v) => v !== null)).toHaveLength(1);
      const increment = async (): Promise<number> => {
        for (let attempts = 1; ; attempts++) {
          const current = (await store.getAlertRecord('state', 'race'))!;
          const { count } = current.body as { count: number };
          if ((await store.putAlertRecord('state', 'race', { count: count + 1 }, current.version)) !== null) {
            return attempts;
          }
        }
      };
      await Promise.all(Array.from({ length: 12 }, increment));
      expect((await store.getAlertRecord('state', 'race'))?.body).toEqual({ count: 13 });
    });

    it('lists the records of one kind by id, and none of them is an event', async () => {
      const store = ctx.sut.store;
      for (const id of ['list-b', 'list-a', 'list-c']) await store.putAlertRecord('rule', id, { id }, null);
      await store.putAlertRecord('state', 'list-a', { other: true }, null);
      const rules = (await store.listAlertRecords('rule')).filter((r) => r.id.startsWith('list-'));
      expect(rules.map((r) => [r.id, r.body])).toEqual([
        ['list-a', { id: 'list-a' }],
        ['list-b', { id: 'list-b' }],
        ['list-c', { id: 'list-c' }],
      ]);
      const states = await store.listAlertRecords('state');
      expect(states.filter((r) => r.id === 'list-a').map((r) => r.body)).toEqual([{ other: true }]);
      await ctx.sut.refresh();
      const all = await store.search({ query: { kind: 'all' }, ...WINDOW, limit: 1, order: 'desc' });
      expect(all.total).toEqual({ value: EVENT_COUNT, relation: 'eq' });
      const hosts = await store.hosts(new Date());
      expect(hosts.filter((h) => h.host.startsWith('list-'))).toEqual([]);
    });
  });
}
