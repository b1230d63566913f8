import type { Hit } from '../../../protocol/event.js';
import { decodeCursor, encodeCursor } from '../../../collector/query/cursor.js';
import { parseQuery } from '../../../collector/query/parse-query.js';
import { countsAnswer } from '../../../collector/store/count-slots.js';
import { SCAN_TOTAL_CAP } from '../../../collector/store/total-bound.js';
import { refresh, startTestCollector, type TestCollector } from '../../support/collector-harness.js';
import { expectSchema } from './openapi-validator.js';
import { compareEvents, generateEvents, HOSTS, ingestAll, tokens, type FixtureEvent } from './search-fixture.js';

const HOUR = 3_600_000;
const COUNT = 100_000;
// The day of data ends an hour or more before now, so "events in the last 5 minutes" is 0 for every fixture host.
const BASE = Math.floor(Date.now() / HOUR) * HOUR - 25 * HOUR;
const FROM = new Date(BASE).toISOString();
const TO = new Date(BASE + 24 * HOUR).toISOString();
const SEARCH_TIMEOUT_MS = 5000;

let collector: TestCollector;
let events: FixtureEvent[];
let sorted: FixtureEvent[];

beforeAll(async () => {
  collector = await startTestCollector('search', {
    search: { timeout: `${SEARCH_TIMEOUT_MS}ms`, host_silent_after: '3s', tail_heartbeat: '1s' },
  });
  events = generateEvents(COUNT, BASE);
  sorted = [...events].sort(compareEvents);
  const started = Date.now();
  expect(await ingestAll(collector, events)).toBe(COUNT);
  await refresh(collector);
  if (process.env.LOGSHIP_TEST_LOG) console.log(`loaded ${COUNT} events in ${Date.now() - started} ms`);
});
afterAll(async () => {
  await collector?.dispose();
});

type Params = Record<string, string | string[] | undefined>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function get(path: string, params: Params = {}, token = collector.tokens.read) {
  const url = new URL(`${collector.url}${path}`);
  for (const [k, v] of Object.entries(params)) for (const x of [v ?? []].flat()) url.searchParams.append(k, x);
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Json };
}

const inDay = (params: Params = {}) => ({ from: FROM, to: TO, ...params });
const count = (pred: (e: FixtureEvent) => boolean) => events.filter(pred).length;
const has = (e: FixtureEvent, word: string) => tokens(e).includes(word);

describe('query language on 100,000 events', () => {
  const cases: [string, (e: FixtureEvent) => boolean][] = [
    ['timeout', (e) => has(e, 'timeout')],
    ['"connection reset"', (e) => e.message.includes('connection reset')],
    ['slow query', (e) => has(e, 'slow') && has(e, 'query')],
    ['"slow query" -host:db-1', (e) => e.message.includes('slow query') && e.host !== 'db-1'],
    ['host:web-1', (e) => e.host === 'web-1'],
    ['level:ERROR', (e) => e.level === 'error'],
    ['service:api AND -level:info', (e) => e.service === 'api' && e.level !== 'info'],
    ['NOT host:db-1', (e) => e.host !== 'db-1'],
    [
      'level:error OR level:warn AND host:web-1',
      (e) => e.level === 'error' || (e.level === 'warn' && e.host === 'web-1'),
    ],
    [
      '(level:error OR level:warn) AND host:web-1',
      (e) => (e.level === 'error' || e.level === 'warn') && e.host === 'web-1',
    ],
    [
      'level:fatal || status:503 && host:cache-1',
      (e) => e.level === 'fatal' || (e.fields.status === '503' && e.host === 'cache-1'),
    ],
    ['host:web-*', (e) => e.host.startsWith('web-')],
    ['time*', (e) => tokens(e).some((t) => t.startsWith('time'))],
    ['*eout', (e) => tokens(e).some((t) => t.endsWith('eout'))],
    ['message:/tim(e|ed)out/', (e) => tokens(e).some((t) => /^tim(e|ed)out$/.test(t))],
    ['offset:>=50000', (e) => e.offset >= 50_000],
    ['offset:<100', (e) => e.offset < 100],
    ['offset:[1000 TO 2000]', (e) => e.offset >= 1000 && e.offset <= 2000],
    ['offset:{1000 TO 2000}', (e) => e.offset > 1000 && e.offset < 2000],
    ['status:[400 TO 499]', (e) => e.fields.status! >= '400' && e.fields.status! <= '499'],
    ['status:>=500', (e) => e.fields.status! >= '500'],
    ['path:/api/*', (e) => e.fields.path!.startsWith('/api/')],
    ['path:"/api/orders"', (e) => e.fields.path === '/api/orders'],
    ['url.path:"/api/*" OR path:"/api/*"', () => false],
    ['env:*', (e) => e.fields.env !== undefined],
    ['-env:*', (e) => e.fields.env === undefined],
    ['level:*', (e) => e.level !== undefined],
    ['source:"/var/log/api/access.log"', (e) => e.source === '/var/log/api/access.log'],
    ['host:(web-1 OR db-1) took', (e) => e.host === 'web-1' || e.host === 'db-1'],
    [
      'env:staging -(status:200 OR status:201)',
      (e) => e.fields.env === 'staging' && !['200', '201'].includes(e.fields.status!),
    ],
  ];

  it.each(cases)('%s counts exactly what the oracle counts', async (q, pred) => {
    const expected = count(pred);
    const res = await get('/api/v1/search', inDay({ q, limit: '1' }));
    expect(res.status).toBe(200);
    // A page counts a query beyond host, service and level exactly up to 10,000 matches only; the export's
    // announced total is exact for any query.
    expect(res.body.total).toEqual(
      expected > SCAN_TOTAL_CAP && !countsAnswer(parseQuery(q))
        ? { value: SCAN_TOTAL_CAP, relation: 'gte' }
        : { value: expected, relation: 'eq' },
    );
    const url = new URL(`${collector.url}/api/v1/export`);
    for (const [k, v] of Object.entries(inDay({ q, limit: '1' }))) url.searchParams.set(k, v!);
    const exported = await fetch(url, { headers: { authorization: `Bearer ${collector.tokens.read}` } });
    expect(exported.status).toBe(200);
    await exported.arrayBuffer();
    expect(exported.headers.get('x-logship-total')).toBe(String(expected));
  });

  it('ANDs the host, service and level parameters with the query', async () => {
    const res = await get(
      '/api/v1/search',
      inDay({ q: 'timeout', host: ['web-1', 'web-2'], level: 'ERROR', limit: '5' }),
    );
    expect(res.body.total.value).toBe(
      count((e) => has(e, 'timeout') && e.host.startsWith('web-') && e.level === 'error'),
    );
    expectSchema('SearchResult', res.body);
  });

  it('answers 400 QUERY_UNSUPPORTED when the store refuses a value, never a partial answer', async () => {
    const res = await get('/api/v1/search', inDay({ q: 'offset:abc' }));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('QUERY_UNSUPPORTED');
  });

  it('answers 400 with the position of a syntax error', async () => {
    for (const [q, position] of [
      ['host:', 5],
      ['status:[1 TO', 12],
      ['a OR (b', 7],
    ] as const) {
      const res = await get('/api/v1/search', { q });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'QUERY_SYNTAX', position });
      expectSchema('Error', res.body);
    }
  });
});

describe('paging', () => {
  it.each(['asc', 'desc'])(
    'pages through all 100,000 events in %s order: exact total, no repeats, the sort order',
    async (order) => {
      const ids: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      for (;;) {
        const res = await get('/api/v1/search', inDay({ order, limit: '10000', cursor }));
        expect(res.status).toBe(200);
        expect(res.body.total).toEqual({ value: COUNT, relation: 'eq' });
        if (pages === 0) expectSchema('SearchResult', res.body);
        ids.push(...res.body.hits.map((h: Hit) => h.id));
        pages++;
        cursor = res.body.next_cursor ?? undefined;
        if (!cursor) break;
      }
      expect(pages).toBe(11); // ten full pages, then an empty one proves the end
      expect(new Set(ids).size).toBe(COUNT);
      const expected = sorted.map((e) => e.id);
      expect(ids).toEqual(order === 'asc' ? expected : expected.reverse());
    },
  );

  it('keeps reading its snapshot while new events arrive, and survives a lost snapshot', async () => {
    const from = new Date(BASE - HOUR).toISOString();
    const web1 = count((e) => e.host === 'web-1');
    const first = await get('/api/v1/search', { from, to: TO, q: 'host:web-1', limit: '5000', order: 'asc' });
    expect(first.body.total.value).toBe(web1);
    const cursor = first.body.next_cursor as string;
    expect(decodeCursor(cursor, 'asc').snapshot).toEqual(expect.any(String));

    // Late events inside the window, sorted before everything else: a plain search_after would not show them
    // either, but `total` would change; the point in time keeps it put.
    const late = Array.from({ length: 20 }, (_, i) => ({
      id: `late-${i}`,
      timestamp: new Date(BASE - 30 * 60_000 + i).toISOString(),
      host: 'web-1',
      message: `late arrival ${i}`,
    }));
    expect(await ingestAll(collector, late)).toBe(20);
    await refresh(collector);

    const ids = first.body.hits.map((h: Hit) => h.id);
    let next: string | undefined = cursor;
    while (next) {
      const page = await get('/api/v1/search', {
        from,
        to: TO,
        q: 'host:web-1',
        limit: '5000',
        order: 'asc',
        cursor: next,
      });
      expect(page.body.total.value).toBe(web1);
      ids.push(...page.body.hits.map((h: Hit) => h.id));
      next = page.body.next_cursor ?? undefined;
    }
    expect(ids).toHaveLength(web1);
    expect(new Set(ids).size).toBe(web1);

    const fresh = await get('/api/v1/search', { from, to: TO, q: 'host:web-1', limit: '1' });
    expect(fresh.body.total.value).toBe(web1 + 20);

    // A snapshot that is gone (expired, or from a restarted cluster): paging goes on with plain search_after.
    const state = decodeCursor(cursor, 'asc');
    const stale = encodeCursor('asc', state.key, 'AAAA' + state.snapshot!.slice(4));
    const after = await get('/api/v1/search', {
      from,
      to: TO,
      q: 'host:web-1',
      limit: '5000',
      order: 'asc',
      cursor: stale,
    });
    expect(after.status).toBe(200);
    expect(after.body.hits.map((h: Hit) => h.id)).toEqual(ids.slice(5000, 10_000));

    // The last page closed the point in time already (Elasticsearch no longer knows it), as an expired one would be.
    const closed = await fetch(`${process.env.LOGSHIP_TEST_ES_URL}/_pit`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: state.snapshot }),
    });
    expect(closed.status).toBe(404);
    const expired = await get('/api/v1/search', { from, to: TO, q: 'host:web-1', limit: '5000', order: 'asc', cursor });
    expect(expired.status).toBe(200);
    expect(expired.body.hits.map((h: Hit) => h.id)).toEqual(ids.slice(5000, 10_000));
    expect(decodeCursor(expired.body.next_cursor, 'asc').snapshot).toBeUndefined();
  });
});

describe('histogram', () => {
  const bucketsOf = (intervalMs: number, start: number, end: number, key: (e: FixtureEvent) => string | undefined) => {
    const out = new Map<number, { count: number; by: Record<string, number> }>();
    for (let t = Math.floor(start / intervalMs) * intervalMs; t <= end; t += intervalMs)
      out.set(t, { count: 0, by: {} });
    for (const e of events) {
      const t = Date.parse(e.timestamp);
      if (t < start || t > end) continue;
      const b = out.get(Math.floor(t / intervalMs) * intervalMs)!;
      b.count++;
      const k = key(e) ?? '(none)';
      b.by[k] = (b.by[k] ?? 0) + 1;
    }
    return [...out.entries()].map(([t, b]) => ({ key: new Date(t).toISOString(), count: b.count, by: b.by }));
  };

  it('picks an interval for 60–120 buckets and stacks exact counts by level', async () => {
    const res = await get('/api/v1/histogram', inDay({ by: 'level' }));
    expect(res.status).toBe(200);
    expectSchema('HistogramResult', res.body);
    expect(res.body.interval).toBe('15m');
    expect(res.body.buckets).toEqual(bucketsOf(15 * 60_000, BASE, BASE + 24 * HOUR, (e) => e.level));
    expect(res.body.buckets.length).toBeGreaterThanOrEqual(60);
    expect(res.body.buckets.length).toBeLessThanOrEqual(121);
  });

  it('fills empty buckets and honours an explicit interval with a query', async () => {
    const start = BASE + 23 * HOUR;
    const end = BASE + 25 * HOUR;
    const res = await get('/api/v1/histogram', {
      from: new Date(start).toISOString(),
      to: new Date(end).toISOString(),
      q: 'host:web-1 OR host:db-1',
      interval: '5m',
      by: 'host',
    });
    const expected = bucketsOf(5 * 60_000, start, end, (e) => e.host).map((b) => ({
      ...b,
      by: Object.fromEntries(Object.entries(b.by).filter(([h]) => h === 'web-1' || h === 'db-1')),
      count: (b.by['web-1'] ?? 0) + (b.by['db-1'] ?? 0),
    }));
    expect(res.body.interval).toBe('5m');
    expect(res.body.buckets).toEqual(expected);
    expect(res.body.buckets.slice(-12).every((b: { count: number }) => b.count === 0)).toBe(true);
    const auto = await get('/api/v1/histogram', {
      from: new Date(start).toISOString(),
      to: new Date(end).toISOString(),
    });
    expect(auto.body.interval).toBe('1m');
    expect((await get('/api/v1/histogram', { interval: '7x' })).status).toBe(400);
    expect((await get('/api/v1/histogram', { by: 'message' })).status).toBe(400);
  });
});

describe('fields and top values', () => {
  it('lists stored fields with their types', async () => {
    const res = await get('/api/v1/fields', inDay());
    expect(res.status).toBe(200);
    expectSchema('FieldsResult', res.body);
    expect(res.body.fields).toEqual(
      expect.arrayContaining([
        { name: 'host.name', type: 'keyword' },
        { name: 'message', type: 'text' },
        { name: 'log.offset', type: 'long' },
        { name: 'labels.env', type: 'keyword' },
        { name: '@timestamp', type: 'date' },
      ]),
    );
  });

  it('counts top values exactly, with the rest in "other"', async () => {
    const res = await get('/api/v1/fields/host/top', inDay({ size: '3' }));
    expect(res.status).toBe(200);
    expectSchema('TopValuesResult', res.body);
    const perHost = HOSTS.map((h) => ({ value: h, count: count((e) => e.host === h) })).sort(
      (a, b) => b.count - a.count || a.value.localeCompare(b.value),
    );
    expect(res.body).toEqual({
      field: 'host.name',
      values: perHost.slice(0, 3),
      other: COUNT - perHost.slice(0, 3).reduce((s, v) => s + v.count, 0),
      exact: true,
    });

    const errors = await get('/api/v1/fields/status/top', inDay({ q: 'level:error', size: '100' }));
    const statuses = new Map<string, number>();
    for (const e of events)
      if (e.level === 'error') statuses.set(e.fields.status!, (statuses.get(e.fields.status!) ?? 0) + 1);
    expect(errors.body.values).toEqual(
      [...statuses]
        .map(([value, n]) => ({ value, count: n }))
        .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value)),
    );
    expect((await get('/api/v1/fields/message/top', inDay())).status).toBe(400);
  });
});

describe('context', () => {
  const anchorIndex = 40_002; // in the middle of a group of four events sharing one millisecond
  const neighbours = (list: FixtureEvent[], anchor: FixtureEvent, before: number, after: number) => {
    const i = list.findIndex((e) => e.id === anchor.id);
    return {
      before: list.slice(Math.max(0, i - before), i).map((e) => e.id),
      after: list.slice(i + 1, i + 1 + after).map((e) => e.id),
    };
  };

  it('returns exactly the neighbours from every host, ties at the anchor time in file order', async () => {
    const anchor = sorted[anchorIndex]!;
    const tied = sorted.filter((e) => e.timestamp === anchor.timestamp);
    expect(tied.length).toBe(4);
    const res = await get(`/api/v1/events/${anchor.id}/context`, { before: '30', after: '20' });
    expect(res.status).toBe(200);
    expectSchema('ContextResult', res.body);
    expect(res.body.anchor.id).toBe(anchor.id);
    const ids = { before: res.body.before.map((h: Hit) => h.id), after: res.body.after.map((h: Hit) => h.id) };
    expect(ids).toEqual(neighbours(sorted, anchor, 30, 20));
    expect(new Set(res.body.before.concat(res.body.after).map((h: Hit) => h.host)).size).toBe(HOSTS.length);
  });

  it('limits to chosen hosts and to a window', async () => {
    const anchor = sorted[anchorIndex]!;
    const chosen = ['db-1', anchor.host];
    const res = await get(`/api/v1/events/${anchor.id}/context`, { host: chosen, before: '10', after: '10' });
    const onHosts = sorted.filter((e) => chosen.includes(e.host));
    expect({ before: res.body.before.map((h: Hit) => h.id), after: res.body.after.map((h: Hit) => h.id) }).toEqual(
      neighbours(onHosts, anchor, 10, 10),
    );
    const windowed = await get(`/api/v1/events/${anchor.id}/context`, { window: '10s', before: '100', after: '100' });
    const t = Date.parse(anchor.timestamp);
    const near = sorted.filter((e) => Math.abs(Date.parse(e.timestamp) - t) <= 10_000);
    expect({
      before: windowed.body.before.map((h: Hit) => h.id),
      after: windowed.body.after.map((h: Hit) => h.id),
    }).toEqual(neighbours(near, anchor, 100, 100));
    const missing = await get('/api/v1/events/no-such-id/context');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });
});

describe('abusive queries', () => {
  it('refuses short leading wildcards and stops costly queries while a normal query still answers', async () => {
    const refused = await get('/api/v1/search', inDay({ q: '*a' }));
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('QUERY_TOO_COMPLEX');
    const thousand = Array.from({ length: 1000 }, (_, i) => `word${i}`).join(' OR ');
    const costly = ['message:/(a+)+$/', 'message:/(.*a){20}/', thousand, '*ou* AND *ed*'];
    const started = Date.now();
    const results = await Promise.all([
      ...costly.map(async (q) => {
        const t = Date.now();
        const res = await get('/api/v1/search', inDay({ q, limit: '10' }));
        return { status: res.status, code: res.body.error?.code, ms: Date.now() - t };
      }),
      (async () => {
        const res = await get('/api/v1/search', inDay({ q: 'host:web-1', limit: '10' }));
        return { status: res.status, code: undefined, ms: Date.now() - started, normal: res.body.total.value };
      })(),
    ]);
    for (const r of results) {
      expect([200, 400, 504]).toContain(r.status);
      if (r.status !== 200) expect(['QUERY_TOO_COMPLEX', 'QUERY_TIMEOUT']).toContain(r.code);
      expect(r.ms).toBeLessThan(SEARCH_TIMEOUT_MS + 3000);
    }
    const normal = results.at(-1)!;
    expect(normal.status).toBe(200);
    expect((normal as { normal: number }).normal).toBe(count((e) => e.host === 'web-1'));
  });
});

describe('hosts and heartbeats', () => {
  it('lists every host, takes heartbeats, and calls a host silent after the configured gap', async () => {
    const sentAt = new Date().toISOString();
    const beat = {
      host: 'edge-9',
      version: '0.1.0',
      started_at: sentAt,
      sent_at: sentAt,
      interval_s: 5,
      inputs: [{ paths: ['/var/log/*.log'], files: 2 }],
      lag_bytes: 0,
    };
    const post = await fetch(`${collector.url}/api/v1/heartbeat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${collector.tokens.ingest}` },
      body: JSON.stringify(beat),
    });
    expect(post.status).toBe(200);
    const answer = (await post.json()) as { received_at: string; replied_at: string };
    expect(Date.parse(answer.replied_at)).toBeGreaterThanOrEqual(Date.parse(answer.received_at));
    expect(Date.parse(answer.received_at)).toBeGreaterThanOrEqual(Date.parse(sentAt));
    const bad = await fetch(`${collector.url}/api/v1/heartbeat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${collector.tokens.ingest}` },
      body: JSON.stringify({ host: 'x' }),
    });
    expect(bad.status).toBe(400);
    await refresh(collector);

    const res = await get('/api/v1/hosts');
    expect(res.status).toBe(200);
    for (const h of res.body) expectSchema('HostStatus', h);
    const byName = new Map(res.body.map((h: { host: string }) => [h.host, h]));
    expect([...byName.keys()].sort()).toEqual([...HOSTS, 'edge-9'].sort());
    expect(byName.get('edge-9')).toMatchObject({ status: 'ok', events_5m: 0, version: '0.1.0', last_event_at: null });
    for (const h of HOSTS) expect(byName.get(h)).toMatchObject({ events_5m: 0, last_heartbeat_at: null });

    // The heartbeat index must stay out of event searches.
    expect((await get('/api/v1/search', { q: 'edge-9', from: 'now-1d' })).body.total.value).toBe(0);

    await new Promise((r) => setTimeout(r, 3200));
    const later = await get('/api/v1/hosts');
    expect(later.body.every((h: { status: string }) => h.status === 'silent')).toBe(true);
  });
});

describe('openapi', () => {
  it('serves the document without a token', async () => {
    const res = await fetch(`${collector.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/search',
        '/api/v1/histogram',
        '/api/v1/tail',
        '/api/v1/hosts',
        '/api/v1/events/{id}/context',
      ]),
    );
  });
});

describe('patterns, export and clock alignment over HTTP', () => {
  const errorsOfWeb1 = (e: FixtureEvent) => e.host === 'web-1' && e.level === 'error';
  /** The fixture's true kinds: the text and the path; status and duration vary. */
  const kindOf = (message: string) => message.replace(/ status \d+ took \d+ ms$/, '');

  it('groups a window into its kinds with exact counts, each with a query that finds them', async () => {
    const res = await get('/api/v1/patterns', inDay({ q: 'host:web-1 AND level:error', limit: '1000' }));
    expect(res.status).toBe(200);
    expectSchema('PatternsResult', res.body);
    const expected = new Map<string, number>();
    for (const e of events.filter(errorsOfWeb1))
      expected.set(kindOf(e.message), (expected.get(kindOf(e.message)) ?? 0) + 1);
    expect(res.body.total).toBe(count(errorsOfWeb1));
    expect(res.body.sampled).toBe(false);
    expect(new Map(res.body.patterns.map((p: Json) => [kindOf(p.example.message), p.count]))).toEqual(expected);
    for (const p of res.body.patterns.slice(0, 5)) {
      const found = await get(
        '/api/v1/search',
        inDay({ q: `host:web-1 AND level:error AND (${p.query})`, limit: '1' }),
      );
      expect([p.pattern, found.body.total.value]).toEqual([p.pattern, p.count]);
    }
  });

  it('samples a large window, compares with the one before and refuses bad parameters', async () => {
    const res = await get('/api/v1/patterns', {
      from: new Date(BASE + 12 * HOUR).toISOString(),
      to: TO,
      compare: 'previous',
      sort: 'surge',
      sample: '2000',
    });
    expect(res.status).toBe(200);
    expectSchema('PatternsResult', res.body);
    expect(res.body.sampled).toBe(true);
    expect(res.body.total).toBe(count((e) => Date.parse(e.timestamp) >= BASE + 12 * HOUR));
    expect(res.body.previous_total).toBe(
      count((e) => Date.parse(e.timestamp) >= BASE && Date.parse(e.timestamp) < BASE + 12 * HOUR),
    );
    expect(res.body.sample_size).toBeLessThanOrEqual(2000 + res.body.buckets.length);
    const surges = res.body.patterns.map((p: Json) => p.surge);
    expect(surges).toEqual([...surges].sort((a: number, b: number) => b - a));
    for (const [params, parameter] of [
      [{ sort: 'surge' }, 'sort'],
      [{ compare: 'yesterday' }, 'compare'],
      [{ sample: '0' }, 'sample'],
      [{ limit: '1001' }, 'limit'],
    ] as const) {
      const bad = await get('/api/v1/patterns', inDay(params));
      expect([parameter, bad.status, bad.body.error.code]).toEqual([parameter, 400, 'BAD_PARAMETER']);
    }
  });

  it('answers a context aligned by clock offsets in the documented shape', async () => {
    const anchor = sorted[5000]!;
    const res = await get(`/api/v1/events/${anchor.id}/context`, { before: '3', after: '3', align: 'clocks' });
    expect(res.status).toBe(200);
    expectSchema('AlignedContextResult', res.body);
    expect(res.body.anchor.id).toBe(anchor.id);
    // No host has measured clocks here: aligned order is the plain order.
    const plain = await get(`/api/v1/events/${anchor.id}/context`, { before: '3', after: '3' });
    expect(res.body.before.map((h: Hit) => h.id)).toEqual(plain.body.before.map((h: Hit) => h.id));
    expect(res.body.after.map((h: Hit) => h.id)).toEqual(plain.body.after.map((h: Hit) => h.id));
    expect(res.body.after.every((h: Json) => h.shift_ms === 0 && h.aligned_timestamp === h.timestamp)).toBe(true);
    expect((await get(`/api/v1/events/${anchor.id}/context`, { align: 'yes' })).status).toBe(400);
  });
});
