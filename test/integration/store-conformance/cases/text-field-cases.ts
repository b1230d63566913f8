import { parseQuery } from '../../../../collector/query/parse-query.js';
import {
  TEXT_FIELDS,
  WINDOW,
  expectedIds,
  textWords,
  type FixtureEvent,
  type TextField,
} from '../conformance-fixture.js';
import type { CaseContext } from '../case-context.js';

const wordsOf = (e: FixtureEvent, field: TextField) => textWords(e.texts[field] ?? '');
const has = (e: FixtureEvent, field: TextField, word: string) => wordsOf(e, field).includes(word);
const phrase = (e: FixtureEvent, field: TextField, text: string) =>
  e.texts[field] !== undefined && ` ${wordsOf(e, field).join(' ')} `.includes(` ${text} `);

/**
 * Full-text fields other than the message (`error.message`, `error.stack_trace`, `postgresql.query`, …): searched
 * by their words like `message` on both stores, never as one exact value. Each case also states how many events
 * the fixture gives it, so a case can never pass by finding nothing on both stores. Words joined by a dot or a colon
 * (`TCP.onStreamRead`) are left out: the stores split those differently (docs/embedded-store.md).
 */
const QUERIES: [string, string, number, (e: FixtureEvent) => boolean][] = [
  ['a word', 'error.message:econnrefused', 24, (e) => has(e, 'error.message', 'econnrefused')],
  ['a word in any case', 'error.message:ECONNRESET', 20, (e) => has(e, 'error.message', 'econnreset')],
  ['a phrase', 'error.message:"connect econnrefused"', 24, (e) => phrase(e, 'error.message', 'connect econnrefused')],
  [
    'the whole value as a phrase',
    'error.message:"connect ECONNREFUSED 10.0.4.21:5432"',
    24,
    (e) => e.texts['error.message'] === 'connect ECONNREFUSED 10.0.4.21:5432',
  ],
  ['a word of a stack trace', 'error.stack_trace:oncomplete', 24, (e) => has(e, 'error.stack_trace', 'oncomplete')],
  [
    'a phrase of a stack trace',
    'error.stack_trace:"as oncomplete"',
    24,
    (e) => phrase(e, 'error.stack_trace', 'as oncomplete'),
  ],
  ['a phrase that is not in order', 'error.message:"econnrefused connect"', 0, () => false],
  [
    'a prefix wildcard',
    'error.message:econn*',
    44,
    (e) => wordsOf(e, 'error.message').some((w) => w.startsWith('econn')),
  ],
  [
    'a regex on one word',
    'error.stack_trace:/onc.mplete|econnres.t/',
    44,
    (e) => has(e, 'error.stack_trace', 'oncomplete') || has(e, 'error.stack_trace', 'econnreset'),
  ],
  ['a text field that exists', 'error.message:*', 44, (e) => e.texts['error.message'] !== undefined],
  [
    'negation (events without the field included)',
    'NOT error.message:econnrefused',
    616,
    (e) => !has(e, 'error.message', 'econnrefused'),
  ],
  ['negation of existence', '-postgresql.query:*', 569, (e) => e.texts['postgresql.query'] === undefined],
  ['a word of a PostgreSQL detail', 'postgresql.detail:exists', 32, (e) => has(e, 'postgresql.detail', 'exists')],
  [
    'a phrase of a PostgreSQL hint',
    'postgresql.hint:"explicit type casts"',
    39,
    (e) => phrase(e, 'postgresql.hint', 'explicit type casts'),
  ],
  ['a word with an underscore', 'postgresql.query:customer_id', 71, (e) => has(e, 'postgresql.query', 'customer_id')],
  [
    'a text field AND a keyword field',
    'postgresql.query:"insert into orders" AND level:error',
    9,
    (e) => phrase(e, 'postgresql.query', 'insert into orders') && e.level === 'error',
  ],
  [
    'a text word OR a message word',
    'error.message:econnreset OR deadlock',
    45,
    (e) => has(e, 'error.message', 'econnreset') || textWords(e.doc.message).includes('deadlock'),
  ],
];

/** Queries and top values on every full-text field besides the message, the same on both stores. */
export function textFieldCases(ctx: CaseContext): void {
  describe('full-text fields besides the message', () => {
    it.each(QUERIES)('finds the same events for %s: %s', async (_name, q, count, predicate) => {
      const expected = expectedIds(ctx.events, predicate);
      const page = await ctx.sut.store.search({ query: parseQuery(q), ...WINDOW, limit: 1000, order: 'desc' });
      expect({ count: expected.length, total: page.total, ids: page.hits.map((h) => h.id) }).toEqual({
        count,
        total: { value: count, relation: 'eq' },
        ids: expected,
      });
    });

    it.each(TEXT_FIELDS)('refuses the top values of %s with 400 BAD_PARAMETER, as for the message', async (field) => {
      const top = ctx.sut.store.topValues({ query: { kind: 'all' }, ...WINDOW, field, size: 5 });
      await expect(top).rejects.toMatchObject({ code: 'BAD_PARAMETER', status: 400, details: { parameter: 'name' } });
    });

    it('refuses a range on a text field with QUERY_UNSUPPORTED', async () => {
      const search = ctx.sut.store.search({
        query: parseQuery('error.message:[a TO m]'),
        ...WINDOW,
        limit: 10,
        order: 'desc',
      });
      await expect(search).rejects.toMatchObject({ code: 'QUERY_UNSUPPORTED', status: 400 });
    });

    it('lists the text fields with their type', async () => {
      const fields = await ctx.sut.store.fields({ query: { kind: 'all' }, ...WINDOW });
      expect(fields.filter((f) => (TEXT_FIELDS as readonly string[]).includes(f.name))).toEqual(
        [...TEXT_FIELDS].sort().map((name) => ({ name, type: 'text' })),
      );
    });
  });
}
