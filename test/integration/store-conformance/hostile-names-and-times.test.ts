import { ingestEvents, type TestCollector } from '../../support/collector-harness.js';
import { COLLECTOR_TARGETS } from './collector-targets.js';

/**
 * Field names that are Object.prototype's own (`constructor`, `__proto__`, `hasOwnProperty`) or hold a NUL, and date
 * math beyond any date, answered 500 or a wrong total: each must answer correctly (found, no match, or a coded 400)
 * on every store.
 */
describe.each(COLLECTOR_TARGETS)('hostile field names and times on the $name store', (target) => {
  let collector: TestCollector;

  beforeAll(async () => {
    collector = await target.start('hostile');
    const now = Date.now();
    const events: { id: string; timestamp: string; message: string; fields: Record<string, string> }[] = [
      { id: 'h-1', timestamp: new Date(now - 2000).toISOString(), message: 'plain one', fields: { env: 'prod' } },
      {
        id: 'h-2',
        timestamp: new Date(now - 1000).toISOString(),
        message: 'labelled two',
        fields: { constructor: 'yes', hasOwnProperty: 'yes' },
      },
    ];
    expect(await ingestEvents(collector, events)).toEqual({ accepted: 2, duplicates: 0, rejected: 0, errors: [] });
    await target.refresh(collector);
  });
  afterAll(async () => {
    await collector?.dispose();
  });

  const get = async (path: string, params: Record<string, string>) => {
    const url = new URL(`${collector.url}${path}`);
    for (const [k, v] of Object.entries({ from: 'now-1h', ...params })) url.searchParams.set(k, v);
    const res = await fetch(url, { headers: { authorization: `Bearer ${collector.tokens.read}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const search = async (q: string) => {
    const res = await get('/api/v1/search', { q });
    const hits = (res.body.hits as { id: string }[] | undefined)?.map((h) => h.id);
    return { status: res.status, total: res.body.total, hits, code: (res.body.error as { code?: string })?.code };
  };

  it.each([
    ['constructor:x', []],
    ['__proto__:x', []],
    ['hasOwnProperty:x', []],
    ['toString:*', []],
    ['__proto__:*', []],
    ['constructor:yes', ['h-2']],
    ['hasOwnProperty:yes AND labelled', ['h-2']],
    ['a\u0000b:x', []],
    ['env:prod', ['h-1']],
  ])('answers %j with the events that have it', async (q, ids) => {
    expect(await search(q)).toEqual({
      status: 200,
      total: { value: ids.length, relation: 'eq' },
      hits: ids,
      code: undefined,
    });
  });

  it.each(['constructor', '__proto__', 'hasOwnProperty'])('counts the top values of %s as a label', async (name) => {
    const res = await get(`/api/v1/fields/${name}/top`, {});
    const values = name === '__proto__' ? [] : [{ value: 'yes', count: 1 }];
    expect(res).toEqual({
      status: 200,
      body: { field: `labels.${name}`, values, other: 0, exact: true },
    });
  });

  it('refuses a field name holding a NUL with 400 BAD_PARAMETER', async () => {
    const res = await get('/api/v1/fields/a%00b/top', {});
    expect({ status: res.status, error: res.body.error }).toEqual({
      status: 400,
      error: {
        code: 'BAD_PARAMETER',
        message: 'The field name may hold letters, digits, "_", ".", "@" and "-".',
        parameter: 'name',
      },
    });
  });

  it('refuses a histogram stacked by a name that is not a stack field', async () => {
    const res = await get('/api/v1/histogram', { by: 'constructor' });
    expect({ status: res.status, code: (res.body.error as { code: string }).code }).toEqual({
      status: 400,
      code: 'BAD_PARAMETER',
    });
  });

  it.each([
    ['from', 'now-99999999999d'],
    ['to', 'now+99999999999d'],
    ['from', `now-${'9'.repeat(40)}s`],
  ])('refuses %s=%s as out of range with 400 BAD_PARAMETER', async (parameter, value) => {
    const res = await get('/api/v1/search', { [parameter]: value });
    expect({ status: res.status, error: res.body.error }).toEqual({
      status: 400,
      error: {
        code: 'BAD_PARAMETER',
        message: `"${parameter}" is out of range: times must lie in the years 0000 to 9999; got "${value.slice(0, 64)}".`,
        parameter,
      },
    });
  });

  it('refuses date math out of range inside a query with 400 QUERY_UNSUPPORTED', async () => {
    expect(await search('timestamp:>now-99999999999d')).toEqual({
      status: 400,
      total: undefined,
      hits: undefined,
      code: 'QUERY_UNSUPPORTED',
    });
  });

  it('still answers date math within range', async () => {
    const res = await get('/api/v1/search', { from: 'now-36500d', q: 'timestamp:>now-3650d' });
    expect({ status: res.status, total: res.body.total }).toEqual({ status: 200, total: { value: 2, relation: 'eq' } });
  });
});
