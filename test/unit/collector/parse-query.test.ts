import { compileElasticsearch } from '../../../collector/query/compile-elasticsearch.js';
import { parseQuery } from '../../../collector/query/parse-query.js';
import { QueryError } from '../../../collector/query/query-error.js';

function errorOf(q: string): QueryError {
  try {
    parseQuery(q);
  } catch (err) {
    return err as QueryError;
  }
  throw new Error(`"${q}" parsed`);
}

describe('query language', () => {
  it('reads free words as an AND of message terms', () => {
    expect(parseQuery('connection reset')).toEqual({
      kind: 'and',
      children: [
        { kind: 'term', field: null, value: 'connection', phrase: false, wildcard: false },
        { kind: 'term', field: null, value: 'reset', phrase: false, wildcard: false },
      ],
    });
  });

  it('maps short field names to ECS fields and labels', () => {
    expect(parseQuery('host:web-1')).toEqual({
      kind: 'term',
      field: 'host.name',
      value: 'web-1',
      phrase: false,
      wildcard: false,
    });
    expect(parseQuery('level:ERROR')).toMatchObject({ field: 'log.level' });
    expect(parseQuery('source:"/var/log/app.log"')).toMatchObject({ field: 'log.file.path', phrase: true });
    expect(parseQuery('env:prod')).toMatchObject({ field: 'labels.env' });
    expect(parseQuery('http.response.status_code:>=500')).toEqual({
      kind: 'range',
      field: 'http.response.status_code',
      gte: 500,
    });
  });

  it('reads ranges, negation, OR and wildcards', () => {
    expect(parseQuery('status:[400 TO 499]')).toEqual({ kind: 'range', field: 'labels.status', gte: 400, lte: 499 });
    expect(parseQuery('-level:debug')).toEqual({
      kind: 'not',
      child: { kind: 'term', field: 'log.level', value: 'debug', phrase: false, wildcard: false },
    });
    expect(parseQuery('a OR b OR c')).toMatchObject({
      kind: 'or',
      children: [{ value: 'a' }, { value: 'b' }, { value: 'c' }],
    });
    expect(parseQuery('time*')).toMatchObject({ kind: 'term', wildcard: true, value: 'time*' });
  });

  it('compiles to a bool query with phrases for message words and lower-case levels', () => {
    expect(compileElasticsearch(parseQuery('"disk full" AND level:WARN AND NOT host:db-1'))).toEqual({
      bool: {
        filter: [{ match_phrase: { message: 'disk full' } }, { term: { 'log.level': 'warn' } }],
        must_not: [{ term: { 'host.name': 'db-1' } }],
      },
    });
  });

  it('reports the position of a syntax error', () => {
    expect(errorOf('error AND (').details).toEqual({ position: 11 });
    expect(errorOf('a ) b')).toMatchObject({ code: 'QUERY_SYNTAX', status: 400, details: { position: 2 } });
  });

  it('refuses queries past the size bounds', () => {
    expect(errorOf('x'.repeat(5000)).code).toBe('QUERY_TOO_COMPLEX');
    const many = Array.from({ length: 1100 }, (_, i) => `w${i}`).join(' OR ');
    expect(errorOf(many).code).toBe('QUERY_TOO_COMPLEX');
  });
});
