import { gzipSync } from 'node:zlib';
import { refresh, startTestCollector, type TestCollector, postIngest } from '../../support/collector-harness.js';
import { ES_START_TIMEOUT_MS, ES_TARGET_NAMES, esTarget } from '../../support/elasticsearch.js';

let collector: TestCollector;

function ndjson(events: object[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n') + '\n';
}

async function ingest(body: string | Buffer, token: string | undefined, headers: Record<string, string> = {}) {
  const { status, body: answer } = await postIngest<Record<string, unknown>>(collector.url, token, body, headers);
  return { status, body: answer };
}

async function search(params: Record<string, string | string[]>, token = collector.tokens.read) {
  const url = new URL(`${collector.url}/api/v1/search`);
  for (const [k, v] of Object.entries(params)) for (const x of [v].flat()) url.searchParams.append(k, x);
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

// The same cases on the plain Elasticsearch and on the secured one (HTTPS, the least-privileged collector user).
describe.each(ES_TARGET_NAMES)('collector ingest and search on the %s Elasticsearch', (kind) => {
  beforeAll(async () => {
    collector = await startTestCollector(`ingest-${kind}`, {}, await esTarget(kind));
  }, ES_START_TIMEOUT_MS);
  afterAll(async () => {
    await collector?.dispose();
  });

  it('stores events once per id and answers duplicates on a resend', async () => {
    const now = Date.now();
    const events = Array.from({ length: 500 }, (_, i) => ({
      id: `dup-${i}`,
      timestamp: new Date(now - 60_000 + i).toISOString(),
      host: i % 2 ? 'web-1' : 'db-1',
      service: 'api',
      source: '/var/log/app.log',
      offset: i * 100,
      message: `request ${i} finished with status ${i % 5 === 0 ? 500 : 200}`,
      fields: { env: 'prod' },
    }));
    const first = await ingest(ndjson(events), collector.tokens.ingest);
    expect(first).toEqual({ status: 200, body: { accepted: 500, duplicates: 0, rejected: 0, errors: [] } });
    const again = await ingest(gzipSync(ndjson(events)), collector.tokens.ingest, { 'content-encoding': 'gzip' });
    expect(again).toEqual({ status: 200, body: { accepted: 0, duplicates: 500, rejected: 0, errors: [] } });
    await refresh(collector);

    const all = await search({ limit: '1000' });
    expect(all.status).toBe(200);
    expect(all.body.total).toEqual({ value: 500, relation: 'eq' });
    expect(all.body.hits).toHaveLength(500);
    expect(new Set(all.body.hits.map((h: { id: string }) => h.id)).size).toBe(500);
    expect(all.body.next_cursor).toBeNull();

    const web = await search({ host: 'web-1', limit: '1000' });
    expect(web.body.total.value).toBe(250);
    const phrase = await search({ q: '"status 500"', limit: '1000' });
    expect(phrase.body.total.value).toBe(100);
    const field = await search({ q: 'host:db-1 AND env:prod AND request', limit: '1000' });
    expect(field.body.total.value).toBe(250);
    const hit = all.body.hits.find((h: { id: string }) => h.id === 'dup-7');
    expect(hit).toEqual({
      id: 'dup-7',
      timestamp: events[7]!.timestamp,
      host: 'web-1',
      service: 'api',
      level: null,
      source: '/var/log/app.log',
      offset: 700,
      message: 'request 7 finished with status 200',
      fields: { env: 'prod' },
    });
  });

  it('pages through every event with cursors in both orders without repeats', async () => {
    for (const order of ['asc', 'desc']) {
      const ids: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 20; page++) {
        const res = await search({ q: 'request', limit: '37', order, ...(cursor ? { cursor } : {}) });
        expect(res.status).toBe(200);
        ids.push(...res.body.hits.map((h: { id: string }) => h.id));
        cursor = res.body.next_cursor ?? undefined;
        if (!cursor) break;
      }
      expect(ids).toHaveLength(500);
      expect(new Set(ids).size).toBe(500);
      const expected = Array.from({ length: 500 }, (_, i) => `dup-${i}`);
      expect(ids).toEqual(order === 'asc' ? expected : expected.reverse());
    }
  });

  it('rejects bad lines with per-line codes, stores the good ones and keeps the rejects', async () => {
    const good = { id: 'mixed-ok', message: 'ERROR a good line' };
    const body = Buffer.concat([
      Buffer.from(JSON.stringify(good) + '\n'),
      Buffer.from('this is not json\n'),
      Buffer.from('{"message":"bad \xff\xfe bytes"}\n', 'latin1'),
      Buffer.from(JSON.stringify({ id: 'mixed-big', message: 'x'.repeat(2_000_000) }) + '\n'),
      Buffer.from(JSON.stringify({ id: 'mixed-nomsg' }) + '\n'),
    ]);
    const res = await ingest(body, collector.tokens.ingest);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 1, duplicates: 0, rejected: 4 });
    expect((res.body.errors as { line: number; code: string }[]).map((e) => [e.line, e.code])).toEqual([
      [2, 'INGEST_INVALID_JSON'],
      [3, 'INGEST_INVALID_UTF8'],
      [4, 'INGEST_EVENT_TOO_LARGE'],
      [5, 'INGEST_INVALID_EVENT'],
    ]);
    await refresh(collector);
    const stored = await search({ q: 'id:mixed-ok' });
    expect(stored.body.hits.map((h: { level: string }) => h.level)).toEqual(['error']);
    const dead = await collector.target.admin.count({ index: `${collector.indexPrefix}-deadletter-*` });
    expect(dead.count).toBe(4);
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
  });

  it('checks tokens and scopes before reading a body, and stores nothing for refused requests', async () => {
    const body = ndjson([{ id: 'auth-1', message: 'should never be stored' }]);
    expect((await ingest(body, undefined)).status).toBe(401);
    expect((await ingest(body, 'lsp_not-a-real-token')).body).toEqual({
      error: { code: 'AUTH_INVALID', message: 'The token is unknown or revoked.' },
    });
    const readOnIngest = await ingest(body, collector.tokens.read);
    expect(readOnIngest.status).toBe(403);
    expect((readOnIngest.body.error as { code: string }).code).toBe('AUTH_FORBIDDEN');
    const ingestOnSearch = await search({}, collector.tokens.ingest);
    expect(ingestOnSearch.status).toBe(403);
    expect((await ingest(body, collector.tokens.ingest, { 'content-type': 'text/plain' })).status).toBe(415);
    await refresh(collector);
    expect((await search({ q: 'id:auth-1' })).body.total.value).toBe(0);
  });

  it('answers 400 with a position for a query it cannot parse', async () => {
    const res = await search({ q: 'error AND (' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'QUERY_SYNTAX', position: 11 });
  });
});
