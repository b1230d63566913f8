import { parseQuery } from '../../../../collector/query/parse-query.js';
import { BASE_MS, STEP_MS, WINDOW, expectedIds, words, type FixtureEvent } from '../conformance-fixture.js';
import type { CaseContext } from '../case-context.js';

const has = (e: FixtureEvent, word: string) => words(e).includes(word);
const phrase = (e: FixtureEvent, text: string) => ` ${words(e).join(' ')} `.includes(` ${text} `);
const T1 = new Date(BASE_MS + 40 * STEP_MS).toISOString();
const T2 = new Date(BASE_MS + 90 * STEP_MS).toISOString();

/** Every operator of the query language (docs/query-language.md), with the events it must find (from the fixture). */
const QUERIES: [string, string, (e: FixtureEvent) => boolean][] = [
  ['a free word', 'timeout', (e) => has(e, 'timeout')],
  ['a word in any case', 'TIMEDOUT', (e) => has(e, 'timedout')],
  ['a phrase', '"connection reset by peer"', (e) => phrase(e, 'connection reset by peer')],
  ['a word with a hyphen as a phrase', 'inventory-service', (e) => phrase(e, 'inventory service')],
  // The embedded store finds a phrase by its words and checks their order on the message: these hold the words
  // of a phrase in another order, which must not match (and must not be dropped under NOT).
  ['a phrase whose words occur in another order only', '"peer by reset connection"', () => false],
  ['a phrase or a word', '"reset by peer" OR deadlock', (e) => phrase(e, 'reset by peer') || has(e, 'deadlock')],
  ['a word without a phrase', 'saving -"saving started"', (e) => has(e, 'saving') && !phrase(e, 'saving started')],
  [
    'a word without a phrase of words it has in another order',
    'saving -"started saving"',
    (e) => has(e, 'saving') && !phrase(e, 'started saving'),
  ],
  ['NOT of a phrase alone', 'NOT "saving started"', (e) => !phrase(e, 'saving started')],
  ['two words (AND)', 'saving started', (e) => has(e, 'saving') && has(e, 'started')],
  ['a prefix wildcard', 'refund*', (e) => words(e).some((w) => w.startsWith('refund'))],
  ['a host', 'host:db-1', (e) => e.host === 'db-1'],
  ['a service', 'service:api', (e) => e.service === 'api'],
  ['a level in upper case', 'level:ERROR', (e) => e.level === 'error'],
  ['a label', 'env:prod', (e) => e.env === 'prod'],
  ['a quoted source', 'source:"/var/log/api/app.log"', (e) => e.source === '/var/log/api/app.log'],
  ['a keyword wildcard', 'host:web*', (e) => e.host?.startsWith('web') ?? false],
  ['a leading wildcard', 'source:*access.log', (e) => e.source?.endsWith('access.log') ?? false],
  ['an event id', 'id:cf-00007', (e) => e.id === 'cf-00007'],
  ['a dataset', 'dataset:nginx', (e) => e.status !== null],
  ['a number', 'http.response.status_code:500', (e) => e.status === 500],
  ['an open range', 'http.response.status_code:>=500', (e) => (e.status ?? 0) >= 500],
  [
    'a closed range',
    'http.response.status_code:[400 TO 499]',
    (e) => e.status !== null && e.status >= 400 && e.status <= 499,
  ],
  ['a range on the offset', 'offset:[1000 TO 3000]', (e) => e.offset !== null && e.offset >= 1000 && e.offset <= 3000],
  [
    'a keyword prefix on a parsed field',
    'url.path:/api/orders*',
    (e) => (e.doc['url.path'] as string | undefined)?.startsWith('/api/orders') ?? false,
  ],
  ['AND of fields', 'host:web-1 AND level:info', (e) => e.host === 'web-1' && e.level === 'info'],
  ['OR of words', 'timeout OR deadlock', (e) => has(e, 'timeout') || has(e, 'deadlock')],
  ['OR of a word and a field', 'deadlock OR host:cache-1', (e) => has(e, 'deadlock') || e.host === 'cache-1'],
  ['NOT of a field (missing values included)', 'NOT env:prod', (e) => e.env !== 'prod'],
  ['-term on the level', '-level:info', (e) => e.level !== 'info'],
  ['NOT of a word alone', 'NOT timeout', (e) => !has(e, 'timeout')],
  ['a word without another', 'saving -started', (e) => has(e, 'saving') && !has(e, 'started')],
  [
    'parentheses',
    '(host:db-1 OR host:cache-1) AND NOT saving',
    (e) => (e.host === 'db-1' || e.host === 'cache-1') && !has(e, 'saving'),
  ],
  ['a regex on the message', 'message:/time(out|dout)/', (e) => has(e, 'timeout') || has(e, 'timedout')],
  ['a regex on a keyword', 'host:/web-[12]/', (e) => e.host === 'web-1' || e.host === 'web-2'],
  ['a field that exists', 'level:*', (e) => e.level !== null],
  ['a label that exists', 'env:*', (e) => e.env !== null],
  ['a time range', `timestamp:["${T1}" TO "${T2}"]`, (e) => e.ms >= Date.parse(T1) && e.ms <= Date.parse(T2)],
  ['date math in a time range', 'timestamp:[now-3650d TO now] AND host:web-2', (e) => e.host === 'web-2'],
  ['a word that never occurs', 'zyzzyva', () => false],
];

/** Queries: totals and hits (in the search order) for every operator. */
export function queryCases(ctx: CaseContext): void {
  describe('queries', () => {
    it.each(QUERIES)('finds the same events for %s: %s', async (_name, q, predicate) => {
      const expected = expectedIds(ctx.events, predicate);
      const page = await ctx.sut.store.search({ query: parseQuery(q), ...WINDOW, limit: 1000, order: 'desc' });
      expect({ total: page.total, ids: page.hits.map((h) => h.id) }).toEqual({
        total: { value: expected.length, relation: 'eq' },
        ids: expected,
      });
    });

    it('finds events within the time window only', async () => {
      const from = new Date(BASE_MS + 10 * STEP_MS);
      const to = new Date(BASE_MS + 20 * STEP_MS);
      const expected = expectedIds(ctx.events, (e) => e.ms >= from.getTime() && e.ms <= to.getTime(), 'asc');
      const page = await ctx.sut.store.search({ query: { kind: 'all' }, from, to, limit: 1000, order: 'asc' });
      expect(expected).toHaveLength(44);
      expect(page.hits.map((h) => h.id)).toEqual(expected);
    });
  });
}
