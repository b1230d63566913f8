import { parseQuery } from '../../../../collector/query/parse-query.js';
import { QueryError } from '../../../../collector/query/query-error.js';

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

  it('reports the position of a syntax error', () => {
    expect(errorOf('error AND (').details).toEqual({ position: 11 });
    expect(errorOf('a ) b')).toMatchObject({ code: 'QUERY_SYNTAX', status: 400, details: { position: 2 } });
  });

  it('refuses queries past the size bounds', () => {
    expect(errorOf('x'.repeat(17_000)).code).toBe('QUERY_TOO_COMPLEX');
    const many = Array.from({ length: 1100 }, (_, i) => `w${i}`).join(' OR ');
    expect(errorOf(many).code).toBe('QUERY_TOO_COMPLEX');
  });
});

const t = (value: string, field: string | null = null, extra: object = {}) => ({
  kind: 'term',
  field,
  value,
  phrase: false,
  wildcard: false,
  ...extra,
});

describe('query language: Lucene precedence and every operator', () => {
  it('binds AND tighter than OR, as Lucene does', () => {
    expect(parseQuery('a OR b AND c')).toEqual({
      kind: 'or',
      children: [t('a'), { kind: 'and', children: [t('b'), t('c')] }],
    });
    expect(parseQuery('a AND b OR c')).toEqual({
      kind: 'or',
      children: [{ kind: 'and', children: [t('a'), t('b')] }, t('c')],
    });
    expect(parseQuery('a b OR c')).toEqual({
      kind: 'or',
      children: [{ kind: 'and', children: [t('a'), t('b')] }, t('c')],
    });
    expect(parseQuery('(a OR b) AND c')).toEqual({
      kind: 'and',
      children: [{ kind: 'or', children: [t('a'), t('b')] }, t('c')],
    });
    expect(parseQuery('a || b && c')).toEqual(parseQuery('a OR b AND c'));
  });

  it('reads NOT, -term and NOT before a group', () => {
    expect(parseQuery('error -debug')).toEqual({
      kind: 'and',
      children: [t('error'), { kind: 'not', child: t('debug') }],
    });
    expect(parseQuery('NOT (a OR b)')).toEqual({ kind: 'not', child: { kind: 'or', children: [t('a'), t('b')] } });
    expect(parseQuery('a AND NOT b')).toEqual({ kind: 'and', children: [t('a'), { kind: 'not', child: t('b') }] });
    // A dash inside a word is part of it.
    expect(parseQuery('host:web-1')).toEqual(t('web-1', 'host.name'));
    // Lower-case operator words are plain words.
    expect(parseQuery('a or b')).toEqual({ kind: 'and', children: [t('a'), t('or'), t('b')] });
  });

  it('reads wildcards, comparisons, ranges with inclusive and exclusive bounds', () => {
    expect(parseQuery('service:pay*')).toEqual(t('pay*', 'service.name', { wildcard: true }));
    expect(parseQuery('status:>=500')).toEqual({ kind: 'range', field: 'labels.status', gte: 500 });
    expect(parseQuery('status:<400')).toEqual({ kind: 'range', field: 'labels.status', lt: 400 });
    expect(parseQuery('status:{400 TO 499}')).toEqual({ kind: 'range', field: 'labels.status', gt: 400, lt: 499 });
    expect(parseQuery('status:[400 TO 499}')).toEqual({ kind: 'range', field: 'labels.status', gte: 400, lt: 499 });
    expect(parseQuery('offset:[100 TO *]')).toEqual({ kind: 'range', field: 'log.offset', gte: 100 });
    expect(parseQuery('timestamp:["2026-11-26T10:00:00Z" TO now]')).toEqual({
      kind: 'range',
      field: '@timestamp',
      gte: '2026-11-26T10:00:00Z',
      lte: 'now',
    });
    expect(parseQuery('env:*')).toEqual({ kind: 'exists', field: 'labels.env' });
  });

  it('reads regexes, paths and quoted paths', () => {
    expect(parseQuery('message:/tim(e|ed)out/')).toEqual({ kind: 'regex', field: 'message', pattern: 'tim(e|ed)out' });
    expect(parseQuery('/err.r/ host:db-1')).toEqual({
      kind: 'and',
      children: [{ kind: 'regex', field: null, pattern: 'err.r' }, t('db-1', 'host.name')],
    });
    // A slash that does not end the clause is part of a path, so `url.path:/api/*` is a wildcard, not a regex.
    expect(parseQuery('url.path:/api/*')).toEqual(t('/api/*', 'url.path', { wildcard: true }));
    expect(parseQuery('url.path:"/api/*"')).toEqual(t('/api/*', 'url.path', { phrase: true }));
    expect(parseQuery('source:/var/log/app.log')).toEqual(t('/var/log/app.log', 'log.file.path'));
  });

  it('applies a field to a group and keeps escapes literal', () => {
    expect(parseQuery('host:(web-1 OR web-2)')).toEqual({
      kind: 'or',
      children: [t('web-1', 'host.name'), t('web-2', 'host.name')],
    });
    expect(parseQuery('path:a\\:b')).toEqual(t('a:b', 'labels.path'));
    expect(parseQuery('x\\*y')).toEqual(t('x*y'));
    expect(parseQuery('time:12:30')).toEqual(t('12:30', 'labels.time'));
  });

  it('reports positions for every kind of syntax error', () => {
    expect(errorOf('host:').details).toEqual({ position: 5 });
    expect(errorOf('"unclosed phrase').details).toEqual({ position: 0 });
    expect(errorOf('status:[1 TO 5').details).toEqual({ position: 14 });
    expect(errorOf('status:[1 5]').details).toEqual({ position: 10 });
    expect(errorOf('a OR').details).toEqual({ position: 4 });
    expect(errorOf('(a').details).toEqual({ position: 2 });
    expect(errorOf('a )').details).toEqual({ position: 2 });
    expect(errorOf('NOT').code).toBe('QUERY_SYNTAX');
  });

  it('bounds leading wildcards, regexes and nesting', () => {
    expect(parseQuery('*timeout')).toMatchObject({ wildcard: true, value: '*timeout' });
    expect(errorOf('*ab')).toMatchObject({ code: 'QUERY_TOO_COMPLEX', details: { position: 0 } });
    expect(errorOf('*abc OR *def OR *ghi')).toMatchObject({ code: 'QUERY_TOO_COMPLEX', details: { position: 16 } });
    expect(errorOf(`/${'a'.repeat(300)}/`).code).toBe('QUERY_TOO_COMPLEX');
    expect(errorOf('/a/ /b/ /c/ /d/ /e/')).toMatchObject({ code: 'QUERY_TOO_COMPLEX', details: { position: 16 } });
    expect(errorOf('('.repeat(40) + 'a' + ')'.repeat(40)).code).toBe('QUERY_TOO_COMPLEX');
    const thousand = Array.from({ length: 1000 }, (_, i) => `w${i}`).join(' OR ');
    expect(parseQuery(thousand)).toMatchObject({ kind: 'or' });
  });
});
