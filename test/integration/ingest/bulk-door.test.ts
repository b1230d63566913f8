import { documentRefusalSchema, documentResultSchema } from '../../../protocol/bulk-response.js';
import { testEsUrl } from '../../support/elasticsearch.js';
import { refresh, startTestCollector, type TestCollector, postIngest } from '../../support/collector-harness.js';

/** The Elasticsearch-compatible door, dead letters and metrics, driven over HTTP against the real Elasticsearch. */
let collector: TestCollector;

beforeAll(async () => {
  collector = await startTestCollector('bulk');
});
afterAll(async () => {
  await collector?.dispose();
});

/** NDJSON from objects; a string is sent as it is (a line that is not JSON). */
const ndjson = (lines: (object | string)[]) =>
  lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';

async function post(path: string, body: string | Buffer, authorization?: string, method = 'POST') {
  const res = await fetch(`${collector.url}${path}`, {
    method,
    headers: { 'content-type': 'application/x-ndjson', ...(authorization ? { authorization } : {}) },
    body,
  });
  return {
    status: res.status,
    product: res.headers.get('x-elastic-product'),
    body: (await res.json()) as Record<string, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  };
}

async function search(q: string) {
  const url = new URL(`${collector.url}/api/v1/search`);
  for (const [k, v] of Object.entries({ q, from: 'now-2d', to: 'now+1d', limit: '100' })) url.searchParams.set(k, v);
  const res = await fetch(url, { headers: { authorization: `Bearer ${collector.tokens.read}` } });
  return (await res.json()) as { total: { value: number }; hits: Record<string, any>[] }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('POST /_bulk', () => {
  it('stores index and create actions (legacy _type ignored) and answers in the bulk format', async () => {
    const now = new Date();
    const t = (s: number) => new Date(now.getTime() - 60_000 + s * 1000).toISOString();
    const body = ndjson([
      { index: { _index: 'logs', _type: 'events' } },
      { '@timestamp': t(1), host: 'rs-1', message: 'bulk one status=500', 'log.level': 'error' },
      { create: { _index: 'logs', _id: 'bulk-2' } },
      {
        timestamp: t(2),
        host: { name: 'rs-2' },
        msg: 'bulk two',
        level: 'warning',
        http: { response: { status_code: 503 } },
      },
      { index: { _id: 'bulk-3' } },
      {
        '@timestamp': t(3),
        message: 'bulk three',
        service: { name: 'billing' },
        log: { file: { path: '/var/log/b.log' }, offset: 77 },
      },
      { delete: { _index: 'logs', _id: 'bulk-2' } },
      { index: {} },
      'this is not json',
    ]);
    const res = await post('/logs/_bulk', body, `Bearer ${collector.tokens.ingest}`);
    expect(res.status).toBe(200);
    expect(res.body.errors).toBe(true);
    expect(typeof res.body.took).toBe('number');
    const items = res.body.items as Record<
      string,
      { status: number; _id: string; _index: string; error?: { type: string } }
    >[];
    expect(items.map((i) => [Object.keys(i)[0], Object.values(i)[0]!.status])).toEqual([
      ['index', 201],
      ['create', 201],
      ['index', 201],
      ['delete', 400],
      ['index', 400],
    ]);
    expect(items[1]!.create).toMatchObject({
      _id: 'bulk-2',
      result: 'created',
      _index: `${collector.indexPrefix}-${t(2).slice(0, 10).replaceAll('-', '.')}`,
    });
    expect(items[4]!.index!.error!.type).toBe('document_parsing_exception');

    // The same create again is a 409 conflict, the same index again a no-op: never stored twice.
    const again = await post(
      '/_bulk',
      ndjson([{ create: { _id: 'bulk-2' } }, { message: 'bulk two' }, { index: { _id: 'bulk-3' } }, { message: 'x' }]),
      `Bearer ${collector.tokens.ingest}`,
    );
    expect(again.body.items.map((i: object) => Object.values(i)[0].status)).toEqual([409, 200]);
    const longId = await post(
      '/_bulk',
      ndjson([{ index: { _id: 'x'.repeat(129) } }, { message: 'bulk long id' }]),
      `Bearer ${collector.tokens.ingest}`,
    );
    expect(longId.body.items[0].index.status).toBe(400);

    await refresh(collector);
    const found = await search('message:bulk');
    expect(found.total.value).toBe(3);
    const two = found.hits.find((h) => h.id === 'bulk-2')!;
    expect([two.host, two.level, two.message, two.fields['http.response.status_code']]).toEqual([
      'rs-2',
      'warn',
      'bulk two',
      503,
    ]);
    const three = found.hits.find((h) => h.id === 'bulk-3')!;
    expect([three.service, three.source, three.offset]).toEqual(['billing', '/var/log/b.log', 77]);
    expect(found.hits.find((h) => h.message === 'bulk one status=500')).toMatchObject({ host: 'rs-1', level: 'error' });
  });

  it('refuses a body whose action line is not an action, and answers update per item keeping the pairing', async () => {
    const auth = `Bearer ${collector.tokens.ingest}`;
    const bad = await post('/_bulk', 'garbage\n{"message":"x"}\n', auth);
    expect([bad.status, bad.body.error.code]).toEqual([400, 'INGEST_BAD_BODY']);
    const mixed = await post(
      '/_bulk',
      ndjson([
        { update: { _id: 'u1' } },
        { doc: { message: 'x' } },
        { create: { _id: 'pair-1' } },
        { message: 'pairing kept' },
      ]),
      auth,
    );
    expect(mixed.body.items.map((i: object) => [Object.keys(i)[0], Object.values(i)[0].status])).toEqual([
      ['update', 400],
      ['create', 201],
    ]);
  });

  it('accepts Basic (password = token) and ApiKey auth, and refuses a read token', async () => {
    const doc = (id: string) => ndjson([{ index: { _id: id } }, { message: `auth ${id}` }]);
    const basic = `Basic ${Buffer.from(`logship:${collector.tokens.ingest}`).toString('base64')}`;
    const apiKey = `ApiKey ${Buffer.from(`id:${collector.tokens.ingest}`).toString('base64')}`;
    expect((await post('/_bulk', doc('auth-basic'), basic)).status).toBe(200);
    expect((await post('/_bulk', doc('auth-apikey'), apiKey)).status).toBe(200);
    expect((await post('/_bulk', doc('auth-none'))).status).toBe(401);
    expect((await post('/_bulk', doc('auth-read'), `Bearer ${collector.tokens.read}`)).status).toBe(403);
    await refresh(collector);
    expect((await search('message:auth')).total.value).toBe(2);
    expect((await search('message:"pairing kept"')).total.value).toBe(1);
  });

  it('answers the single-document APIs and GET / like Elasticsearch', async () => {
    const auth = `Bearer ${collector.tokens.ingest}`;
    const legacy = await post(
      '/system/events',
      JSON.stringify({ message: 'single legacy', fromhost: 'old-box' }),
      auth,
    );
    expect([legacy.status, legacy.body.result]).toEqual([201, 'created']);
    const put = await post('/logs/_create/single-2', JSON.stringify({ message: 'single create' }), auth, 'PUT');
    expect([put.status, put.body._id]).toEqual([201, 'single-2']);
    const dup = await post('/logs/_create/single-2', JSON.stringify({ message: 'single create' }), auth, 'PUT');
    expect([dup.status, dup.body.error.type]).toEqual([409, 'version_conflict_engine_exception']);
    // The answers are the shapes docs/openapi.json describes, exactly: no bulk-only `status` beside a stored one.
    for (const stored of [legacy, put])
      expect(documentResultSchema.strict().safeParse(stored.body).error).toBeUndefined();
    expect(documentRefusalSchema.strict().safeParse(dup.body).error).toBeUndefined();
    // Elasticsearch's clients refuse any answer without X-Elastic-Product, errors included.
    for (const answer of [legacy, put, dup]) expect(answer.product).toBe('Elasticsearch');
    const json = { accept: 'application/json' };
    const root = await fetch(`${collector.url}/`, { headers: { ...json, authorization: auth } });
    expect(root.headers.get('x-elastic-product')).toBe('Elasticsearch');
    expect(((await root.json()) as { version: { number: string } }).version.number).toBe('8.17.0');
    const head = await fetch(`${collector.url}/`, { method: 'HEAD', headers: { authorization: auth } });
    expect([head.status, head.headers.get('x-elastic-product')]).toEqual([200, 'Elasticsearch']);
    // The root document is for clients with a token only; a stranger learns nothing.
    const anonymous = await fetch(`${collector.url}/`, { headers: json });
    expect([anonymous.status, anonymous.headers.get('x-elastic-product')]).toEqual([401, 'Elasticsearch']);
    expect((await fetch(`${collector.url}/`, { method: 'HEAD' })).status).toBe(401);
    const readOnly = await fetch(`${collector.url}/`, {
      headers: { ...json, authorization: `Bearer ${collector.tokens.read}` },
    });
    expect(readOnly.status).toBe(403);
    // A browser still gets the UI's page there.
    const page = await fetch(`${collector.url}/`, { headers: { accept: 'text/html' } });
    expect([page.status, page.headers.get('x-elastic-product')]).toEqual([200, null]);
    await refresh(collector);
    expect((await search('message:single')).hits.map((h) => h.host).sort()).toEqual([null, 'old-box']);
  });
});

describe('GET /api/v1/deadletter', () => {
  it('lists rejected events newest first with code, reason, token and the original (base64 when not UTF-8)', async () => {
    const body = Buffer.concat([
      Buffer.from('{"message":"dl fine"}\nnot json at all\n'),
      Buffer.from([0x7b, 0x22, 0x6d, 0xff, 0xfe, 0x22, 0x7d, 0x0a]),
      Buffer.from('{"msg":"no message field"}\n'),
    ]);
    const res = await postIngest(collector.url, collector.tokens.ingest, body);
    expect(res.body.rejected).toBe(3);
    await fetch(`${testEsUrl()}/${collector.indexPrefix}-deadletter-*/_refresh`, { method: 'POST' });

    const get = async (query: string, token = collector.tokens.admin) => {
      const r = await fetch(`${collector.url}/api/v1/deadletter${query}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: r.status, body: (await r.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    expect((await get('', collector.tokens.read)).status).toBe(403);
    const all = await get('?limit=100');
    expect(all.status).toBe(200);
    // 3 from this request, and from the first _bulk test the bad JSON document and the over-long _id (a refused
    // delete has nothing to keep).
    const mine = (all.body.dead_letters as Record<string, string>[]).filter((d) => d.token === 'ingest');
    const codes = mine.map((d) => d.code).sort();
    expect(codes).toEqual([
      'INGEST_INVALID_EVENT',
      'INGEST_INVALID_EVENT',
      'INGEST_INVALID_JSON',
      'INGEST_INVALID_JSON',
      'INGEST_INVALID_UTF8',
    ]);
    const utf8 = mine.find((d) => d.code === 'INGEST_INVALID_UTF8')!;
    expect(Buffer.from(utf8.original_base64!, 'base64')).toEqual(
      Buffer.from([0x7b, 0x22, 0x6d, 0xff, 0xfe, 0x22, 0x7d]),
    );
    expect(mine.find((d) => d.original === 'not json at all')).toMatchObject({ code: 'INGEST_INVALID_JSON' });
    const times = (all.body.dead_letters as { received_at: string }[]).map((d) => d.received_at);
    expect([...times].sort().reverse()).toEqual(times);
    const onlyEvent = await get('?code=INGEST_INVALID_EVENT');
    expect(onlyEvent.body.total).toEqual({ value: 2, relation: 'eq' });
    expect((await get('?from=now-1m&to=now-30s')).body.dead_letters).toEqual([]);
    expect((await get('?from=yesterday')).status).toBe(400);
  });
});

describe('GET /metrics', () => {
  it('counts accepted, duplicate and rejected events by code, unauthenticated', async () => {
    const text = await (await fetch(`${collector.url}/metrics`)).text();
    const value = (name: string) =>
      Number(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\d+)`, 'm').exec(text)?.[1]);
    // Stored: 3 + 1 + 2 + 2 (_bulk, pairing, auth, single) + 1 (dead-letter test's good line); duplicates: 409 +
    // no-op + 409.
    expect(value('logship_collector_events_accepted_total')).toBe(9);
    expect(value('logship_collector_events_duplicates_total')).toBe(3);
    expect(value('logship_collector_events_rejected_total{code="INGEST_INVALID_JSON"}')).toBe(2);
    expect(value('logship_collector_events_rejected_total{code="INGEST_INVALID_EVENT"}')).toBe(2);
    // Dead letters by code: the 4 refused events above and the invalid UTF-8 line of the dead-letter test.
    const deadLetters = [...text.matchAll(/^logship_collector_dead_letters_total\{code="(\w+)"\} (\d+)$/gm)];
    expect(Object.fromEntries(deadLetters.map((m) => [m[1], Number(m[2])]))).toEqual({
      INGEST_INVALID_JSON: 2,
      INGEST_INVALID_EVENT: 2,
      INGEST_INVALID_UTF8: 1,
    });
    expect(text).toMatch(
      /^logship_collector_request_duration_seconds_count\{method="POST",route="\/_bulk",status="200"\} \d+/m,
    );
    expect(text).toMatch(/^logship_collector_store_write_seconds_count \d+/m);
  });
});
