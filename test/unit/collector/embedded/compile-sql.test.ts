import type { QueryNode } from '../../../../collector/query/ast.js';
import { parseQuery } from '../../../../collector/query/parse-query.js';
import { compileSql } from '../../../../collector/store/embedded/compile-sql.js';
import { codeEqualsSql, nameSql } from '../../../../collector/store/embedded/stored-names.js';
import { hasPhrase, messageTokens } from '../../../../collector/store/embedded/sql-functions.js';
import { MESSAGE_WORDS_SQL } from '../../../../collector/store/embedded/stored-document.js';

describe('compileSql', () => {
  it('drives a query with words from FTS5 and keeps field filters in SQL', () => {
    expect(compileSql(parseQuery('connection reset AND host:web-1'))).toEqual({
      readsMessages: false,
      fts: '("connection") AND ("reset")',
      where: `ls_live() AND (${codeEqualsSql('host')})`,
      params: ['web-1', 'web-1', 'web-1'],
    });
  });

  it('finds a phrase by all its words and checks their order on the message, quoting every user string', () => {
    expect(compileSql(parseQuery('inventory-service'))).toEqual({
      readsMessages: true,
      fts: '("inventory" AND "service")',
      where: `ls_live() AND (ls_phrase_tokens(${MESSAGE_WORDS_SQL}, ?))`,
      params: ['inventory service'],
    });
    expect(compileSql({ kind: 'term', field: null, value: 'say "hi"', phrase: true, wildcard: false }).fts).toBe(
      '("say" AND "hi")',
    );
    expect(compileSql(parseQuery('NEAR OR AND*'))).toEqual({
      readsMessages: false,
      fts: '(("near") OR ("and"*))',
      where: 'ls_live()',
      params: [],
    });
    // The column filters first: the order check tokenizes the message, so it runs on the rows they leave.
    expect(compileSql(parseQuery('"reset by peer" AND host:db-1'))).toEqual({
      readsMessages: true,
      fts: '("reset" AND "by" AND "peer")',
      where: `ls_live() AND (${codeEqualsSql('host')}) AND (ls_phrase_tokens(${MESSAGE_WORDS_SQL}, ?))`,
      params: ['db-1', 'db-1', 'db-1', 'reset by peer'],
    });
    // An OR with a phrase: the whole OR is checked on the message, since either side may be what FTS5 found.
    expect(compileSql(parseQuery('"reset by peer" OR time*'))).toEqual({
      readsMessages: true,
      fts: '(("reset" AND "by" AND "peer") OR ("time"*))',
      where: `ls_live() AND ((ls_phrase_tokens(${MESSAGE_WORDS_SQL}, ?)) OR (ls_wildcard_tokens(${MESSAGE_WORDS_SQL}, ?)))`,
      params: ['reset by peer', 'time*'],
    });
  });

  it('leaves a negated phrase out of the FTS5 expression, whose "all its words" would drop too much', () => {
    expect(compileSql(parseQuery('saving -"by peer"'))).toEqual({
      readsMessages: true,
      fts: '("saving")',
      where: `ls_live() AND (NOT coalesce((e.rowid IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?) AND ls_phrase_tokens(${MESSAGE_WORDS_SQL}, ?)), 0))`,
      params: ['"by" AND "peer"', 'by peer'],
    });
    expect(compileSql(parseQuery('timeout OR (reset -"by peer")'))).toEqual({
      readsMessages: true,
      fts: '(("timeout") OR (("reset")))',
      where: `ls_live() AND ((ls_phrase_tokens(${MESSAGE_WORDS_SQL}, ?)) OR ((ls_phrase_tokens(${MESSAGE_WORDS_SQL}, ?)) AND (NOT (ls_phrase_tokens(${MESSAGE_WORDS_SQL}, ?)))))`,
      params: ['timeout', 'reset', 'by peer'],
    });
  });

  it('puts negated words after NOT inside the FTS5 expression when a positive word drives it', () => {
    expect(compileSql(parseQuery('saving -started -stopped')).fts).toBe(
      '(("saving")) NOT (("started") OR ("stopped"))',
    );
  });

  it('answers a negated word alone with NOT IN, since FTS5 has no unary NOT', () => {
    expect(compileSql(parseQuery('NOT timeout'))).toEqual({
      readsMessages: false,
      fts: null,
      where: 'ls_live() AND (e.rowid NOT IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?))',
      params: ['"timeout"'],
    });
  });

  it('keeps events without the field under NOT (a NULL counts as no match)', () => {
    expect(compileSql(parseQuery('NOT env:prod')).where).toBe(
      `ls_live() AND (NOT coalesce((json_extract(e.doc, '$.labels."env"') = ?), 0))`,
    );
  });

  it('matches a number typed in a query against numbers and text alike', () => {
    expect(compileSql(parseQuery('http.response.status_code:500'))).toEqual({
      readsMessages: false,
      fts: null,
      where: `ls_live() AND (json_extract(e.doc, '$."http.response.status_code"') IN (?, ?))`,
      params: ['500', 500],
    });
  });

  it('compiles keyword wildcards with one star to LIKE with escapes and time ranges to key arithmetic', () => {
    expect(compileSql(parseQuery('source:/var/log/access_log*'))).toEqual({
      readsMessages: false,
      fts: null,
      where: `ls_live() AND (${nameSql('source')} LIKE ? ESCAPE '\\')`,
      params: ['/var/log/access\\_log%'],
    });
    expect(compileSql(parseQuery('timestamp:["2026-11-20T00:00:00Z" TO "2026-11-20T01:00:00Z"]'))).toEqual({
      readsMessages: false,
      fts: null,
      where: 'ls_live() AND ((e.rowid >> 20) >= ? AND (e.rowid >> 20) <= ?)',
      params: [Date.parse('2026-11-20T00:00:00Z'), Date.parse('2026-11-20T01:00:00Z')],
    });
  });

  it('reads date math in time ranges as Elasticsearch does', () => {
    const now = Date.parse('2026-11-20T12:00:00Z');
    expect(compileSql(parseQuery('timestamp:[now-15m TO now+1h]'), now).params).toEqual([
      Date.parse('2026-11-20T11:45:00Z'),
      Date.parse('2026-11-20T13:00:00Z'),
    ]);
  });

  it('sends wildcards with several stars to the automaton matcher, whose cost LIKE would raise to their power', () => {
    expect(compileSql(parseQuery('source:*access_log*'))).toEqual({
      readsMessages: false,
      fts: null,
      where: `ls_live() AND (ls_wildcard(${nameSql('source')}, ?))`,
      params: ['*access_log*'],
    });
  });

  it("refuses regexes that mean something else in Lucene or that expand beyond RE2's bounds", () => {
    expect(() => compileSql(parseQuery('message:/((a{1,100}){1,100}){1,100}/'))).toThrow(
      expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' }),
    );
    expect(() => compileSql(parseQuery('host:/(?=web)w.*/'))).toThrow(
      expect.objectContaining({ code: 'QUERY_UNSUPPORTED' }),
    );
  });

  it('searches other text fields by their words, like the message but without FTS5', () => {
    expect(compileSql(parseQuery('error.message:"Connection REFUSED" AND host:web-1'))).toEqual({
      readsMessages: false,
      fts: null,
      where: `ls_live() AND (ls_phrase_tokens(json_extract(e.doc, '$."error.message"'), ?)) AND (${codeEqualsSql('host')})`,
      params: ['connection refused', 'web-1', 'web-1', 'web-1'],
    });
    expect(compileSql(parseQuery('postgresql.query:sel*'))).toEqual({
      readsMessages: false,
      fts: null,
      where: `ls_live() AND (ls_wildcard_tokens(json_extract(e.doc, '$."postgresql.query"'), ?))`,
      params: ['sel*'],
    });
    expect(compileSql(parseQuery('error.stack_trace:/at|in/')).where).toBe(
      `ls_live() AND (ls_regex_tokens(json_extract(e.doc, '$."error.stack_trace"'), ?))`,
    );
    // No word characters: nothing to match, as Elasticsearch's analyser yields no token.
    expect(compileSql(parseQuery('postgresql.hint:"--"')).where).toBe('ls_live() AND (0)');
    expect(() => compileSql(parseQuery('error.message:[a TO b]'))).toThrow(
      expect.objectContaining({ code: 'QUERY_UNSUPPORTED', status: 400 }),
    );
  });

  it('compares dates kept in the document as ISO-8601 text, and refuses times out of range', () => {
    const now = Date.parse('2026-11-20T12:00:00Z');
    expect(compileSql(parseQuery('event.created:>=now-1h'), now)).toEqual({
      readsMessages: false,
      fts: null,
      where: `ls_live() AND (json_extract(e.doc, '$.event.created') >= ?)`,
      params: ['2026-11-20T11:00:00.000Z'],
    });
    expect(() => compileSql(parseQuery('timestamp:>now-99999999999d'), now)).toThrow(
      expect.objectContaining({ code: 'QUERY_UNSUPPORTED', status: 400 }),
    );
  });

  it('answers a node kind it does not know with QUERY_UNSUPPORTED instead of crashing', () => {
    const future = { kind: 'near', words: ['a', 'b'] } as unknown as QueryNode;
    expect(() => compileSql({ kind: 'and', children: [future, parseQuery('host:a')] })).toThrow(
      expect.objectContaining({ code: 'QUERY_UNSUPPORTED', status: 400 }),
    );
  });
});

describe('hasPhrase', () => {
  it('finds the words of a phrase one after another only', () => {
    const words = messageTokens('Error: connect ECONNREFUSED 10.0.4.21:5432');
    expect(
      [['connect', 'econnrefused'], ['econnrefused', 'connect'], ['5432'], ['21', '5432', 'x'], []].map((p) =>
        hasPhrase(words, p),
      ),
    ).toEqual([true, false, true, false, true]);
  });
});
