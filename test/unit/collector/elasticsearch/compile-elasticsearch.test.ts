import { parseQuery } from '../../../../collector/query/parse-query.js';
import { compileElasticsearch } from '../../../../collector/store/elasticsearch/compile-elasticsearch.js';

describe('compileElasticsearch', () => {
  it('compiles to a bool query with phrases for message words and lower-case levels', () => {
    expect(compileElasticsearch(parseQuery('"disk full" AND level:WARN AND NOT host:db-1'))).toEqual({
      bool: {
        filter: [{ match_phrase: { message: 'disk full' } }, { term: { 'log.level': 'warn' } }],
        must_not: [{ term: { 'host.name': 'db-1' } }],
      },
    });
  });

  it('searches every text field of the catalogue by its words, not as one exact term', () => {
    expect(compileElasticsearch(parseQuery('error.message:timeout'))).toEqual({
      match_phrase: { 'error.message': 'timeout' },
    });
    expect(compileElasticsearch(parseQuery('postgresql.query:"FROM orders"'))).toEqual({
      match_phrase: { 'postgresql.query': 'FROM orders' },
    });
    expect(compileElasticsearch(parseQuery('error.stack_trace:/onc.mplete/'))).toEqual({
      regexp: {
        'error.stack_trace': {
          value: 'onc.mplete',
          flags: 'NONE',
          max_determinized_states: 2000,
          case_insensitive: true,
        },
      },
    });
    // Exact fields stay exact: a keyword is one term, compared as typed.
    expect(compileElasticsearch(parseQuery('error.type:TimeoutError'))).toEqual({
      term: { 'error.type': 'TimeoutError' },
    });
  });

  it('refuses a range on full text, as the embedded store does', () => {
    expect(() => compileElasticsearch(parseQuery('error.message:[a TO b]'))).toThrow(
      expect.objectContaining({ code: 'QUERY_UNSUPPORTED', status: 400 }),
    );
  });

  it('looks an exact id up by _id (event.id keeps no terms of its own), and matches other id forms on event.id', () => {
    expect(compileElasticsearch(parseQuery('id:ev-42'))).toEqual({ ids: { values: ['ev-42'] } });
    expect(compileElasticsearch(parseQuery('event.id:"ev 42"'))).toEqual({ ids: { values: ['ev 42'] } });
    expect(compileElasticsearch(parseQuery('id:ev-4*'))).toEqual({
      wildcard: { 'event.id': { value: 'ev-4*', case_insensitive: true } },
    });
    expect(compileElasticsearch(parseQuery('id:[a TO b]'))).toEqual({ range: { 'event.id': { gte: 'a', lte: 'b' } } });
  });

  it('reads date math in time ranges itself, so both stores mean the same window', () => {
    const now = Date.parse('2026-11-20T12:00:00Z');
    expect(compileElasticsearch(parseQuery('timestamp:[now-15m TO now+1h]'), now)).toEqual({
      range: { '@timestamp': { gte: '2026-11-20T11:45:00.000Z', lte: '2026-11-20T13:00:00.000Z' } },
    });
    expect(() => compileElasticsearch(parseQuery('timestamp:>now-99999999999d'), now)).toThrow(
      expect.objectContaining({ code: 'QUERY_UNSUPPORTED', status: 400 }),
    );
  });
});
