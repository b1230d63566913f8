import { parseQuery } from '../../../collector/query/parse-query.js';
import {
  addClause,
  excludeValue,
  selectedValues,
  toggleValue,
  topLevelClauses,
  unexcludeValue,
  withoutSelection,
} from '../../../ui/src/query/query-clauses.js';

describe('query edits made by facets and event details', () => {
  it('splits the top level into ANDed clauses, keeping quotes, brackets, ranges and regexes whole', () => {
    const q = 'level:error AND "connection reset" NOT host:db-1 status:[400 TO 499] message:/a b(c)/ (x OR y)';
    expect(topLevelClauses(q)?.map((c) => c.text)).toEqual([
      'level:error',
      '"connection reset"',
      'NOT host:db-1',
      'status:[400 TO 499]',
      'message:/a b(c)/',
      '(x OR y)',
    ]);
    expect(topLevelClauses('a OR b')).toBeUndefined();
    expect(topLevelClauses('url.path:/api/* OR x')).toBeUndefined();
  });

  it('brackets a query with a top-level OR once, however many exclusions follow', () => {
    let q = 'timeout OR refused';
    for (const host of ['db-1', 'web-2', 'api-1']) q = excludeValue(q, 'host', host);
    expect(q).toBe('(timeout OR refused) AND -host:"db-1" AND -host:"web-2" AND -host:"api-1"');
    expect(addClause('', 'level:"warn"')).toBe('level:"warn"');
    expect(addClause('a b', 'c')).toBe('a b AND c');
    expect(() => parseQuery(q)).not.toThrow();
  });

  it('ORs several values of one field in one clause, replaced in place, and takes them back one by one', () => {
    let q = 'timeout';
    q = toggleValue(q, 'host', 'web-1');
    expect(q).toBe('timeout AND host:"web-1"');
    q = toggleValue(q, 'host', 'web-2');
    q = addClause(q, 'level:"error"');
    q = toggleValue(q, 'host', 'say "hi"');
    expect(q).toBe('timeout AND host:("web-1" OR "web-2" OR "say \\"hi\\"") AND level:"error"');
    expect(selectedValues(q, 'host.name')).toEqual({ included: ['web-1', 'web-2', 'say "hi"'], excluded: [] });
    expect(withoutSelection(q, 'host')).toBe('timeout AND level:"error"');
    q = toggleValue(q, 'host', 'web-1');
    q = toggleValue(q, 'host', 'say "hi"');
    expect(q).toBe('timeout AND host:"web-2" AND level:"error"');
    q = toggleValue(q, 'host', 'web-2');
    expect(q).toBe('timeout AND level:"error"');
    expect(() => parseQuery(q)).not.toThrow();
  });

  it('writes numbers bare and recognises the clauses a user typed by hand', () => {
    let q = 'http.response.status_code:500';
    q = toggleValue(q, 'http.response.status_code', 502);
    expect(q).toBe('http.response.status_code:(500 OR 502)');
    expect(selectedValues('level:(error OR "warn") -level:debug', 'level')).toEqual({
      included: ['error', 'warn'],
      excluded: ['debug'],
    });
    // A wildcard selects many values: it is the user's clause, not a facet selection.
    expect(selectedValues('host:web-*', 'host')).toEqual({ included: [], excluded: [] });
    expect(toggleValue('host:web-*', 'host', 'db-1')).toBe('host:web-* AND host:"db-1"');
  });

  it('moves a selected value to the exclusions, and takes an exclusion back', () => {
    let q = 'host:("web-1" OR "web-2")';
    q = excludeValue(q, 'host', 'web-1');
    expect(q).toBe('host:"web-2" AND -host:"web-1"');
    expect(excludeValue(q, 'host', 'web-1')).toBe(q);
    expect(unexcludeValue(q, 'host', 'web-1')).toBe('host:"web-2"');
    expect(unexcludeValue('-env:prod AND x', 'env', 'prod')).toBe('x');
  });
});
