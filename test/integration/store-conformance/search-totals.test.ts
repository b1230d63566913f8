import { measureRule } from '../../../collector/alerts/rule-measure.js';
import { parseQuery } from '../../../collector/query/parse-query.js';
import type { StoredEvent } from '../../../collector/store/ecs-document.js';
import { alertRuleInputSchema, type AlertRule } from '../../../protocol/alert-rule.js';
import { ES_START_TIMEOUT_MS } from '../../support/elasticsearch.js';
import { STORE_TARGETS, type StoreUnderTest } from './store-targets.js';

const BASE_MS = Date.parse('2026-11-24T08:00:00.000Z');
const EVENTS = 10_050;
const WINDOW = { from: new Date(BASE_MS), to: new Date(BASE_MS + EVENTS * 7) };

/** Event i: every 7 ms, hosts web-0, web-1, web-2 in turn, "ok" in every message, "rare" in one of 201. */
function event(i: number): StoredEvent {
  const id = `tot-${String(i).padStart(5, '0')}`;
  const host = `web-${i % 3}`;
  const ts = new Date(BASE_MS + i * 7).toISOString();
  return {
    id,
    doc: {
      '@timestamp': ts,
      message: `line ${i} ok${i % 201 === 0 ? ' rare' : ''}`,
      host: { name: host },
      service: { name: 'web' },
      log: { level: 'info', file: { path: `/var/log/${host}.log` }, offset: i * 40 },
      event: { id, ingested: ts, dataset: 'plain' },
    },
  };
}

/**
 * How far a search's total is exact, the same on every store: a query the event counts cannot answer (free text)
 * is counted up to 10,000, then `gte`; host, service and level only are counted up to exact_total_up_to; an alert's
 * count and an export's announced size ask for the exact number whatever the query.
 */
describe.each(STORE_TARGETS)('search totals on the $name store', (target) => {
  let sut: StoreUnderTest;

  beforeAll(async () => {
    sut = await target.create('totals');
    const events = Array.from({ length: EVENTS }, (_, i) => event(i));
    let accepted = 0;
    for (let i = 0; i < EVENTS; i += 2500) accepted += (await sut.store.write(events.slice(i, i + 2500))).accepted;
    expect(accepted).toBe(EVENTS);
    await sut.refresh();
  }, ES_START_TIMEOUT_MS);

  afterAll(async () => {
    await sut?.dispose();
  });

  const total = async (q: string, exactTotal?: boolean) =>
    (
      await sut.store.search({
        query: parseQuery(q),
        ...WINDOW,
        limit: 10,
        order: 'desc',
        ...(exactTotal ? { exactTotal } : {}),
      })
    ).total;

  it.each([
    ['ok', { value: 10_000, relation: 'gte' }],
    ['rare', { value: 50, relation: 'eq' }],
    ['ok AND host:web-1', { value: 3350, relation: 'eq' }],
    ['host:web-1', { value: 3350, relation: 'eq' }],
    ['', { value: EVENTS, relation: 'eq' }],
    ['level:info', { value: EVENTS, relation: 'eq' }],
    ['NOT host:web-0', { value: 6700, relation: 'eq' }],
  ])('counts "%s" as %j', async (q, expected) => {
    expect(await total(q)).toEqual(expected);
  });

  it('counts free text exactly when the caller asks for the number', async () => {
    expect(await total('ok', true)).toEqual({ value: EVENTS, relation: 'eq' });
  });

  it("counts an alert's free-text matches exactly past 10,000", async () => {
    const parsed = alertRuleInputSchema.parse({
      name: 'many-ok',
      query: 'ok',
      condition: { type: 'count', window: '1h', op: 'above', threshold: 10_020 },
    });
    const rule: AlertRule = { ...parsed, notify: [] };
    expect(await measureRule(sut.store, rule, new Date(WINDOW.to.getTime() + 1), [])).toEqual([
      { key: '', host: null, value: EVENTS },
    ]);
  });
});
