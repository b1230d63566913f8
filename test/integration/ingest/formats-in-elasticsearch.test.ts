import { readFileSync } from 'node:fs';
import { testEsUrl } from '../../support/elasticsearch.js';
import { refresh, startTestCollector, type TestCollector, postIngest } from '../../support/collector-harness.js';

/** Fixture files of every format through `POST /api/v1/ingest` into the real Elasticsearch: counts and field types. */
let collector: TestCollector;

beforeAll(async () => {
  collector = await startTestCollector('formats');
});
afterAll(async () => {
  await collector?.dispose();
});

const FILES: [string, string][] = [
  ['nginx/access.log', 'nginx'],
  ['nginx/error.log', 'nginx'],
  ['apache/access.log', 'auto'],
  ['apache/error.log', 'apache'],
  ['syslog/messages.log', 'syslog'],
  ['syslog/rfc5424.log', 'auto'],
  ['postgres/postgresql.log', 'postgres'],
  ['postgres/postgresql.csv', 'postgres'],
  ['mysql/error.log', 'mysql'],
  ['json/pino.log', 'json'],
  ['json/ecs.log', 'auto'],
  ['json/log4j.log', 'json'],
  ['plain/app.log', 'auto'],
];

function fixtureEvents(file: string, format: string): string {
  const lines = readFileSync(new URL(`../../fixtures/${file}`, import.meta.url), 'utf8').split('\n');
  lines.pop();
  return (
    lines
      .map((message, i) =>
        JSON.stringify({
          id: `${file}:${i}`,
          host: 'fixture-host',
          source: `/var/log/${file}`,
          offset: i,
          format,
          tz: 'Europe/Berlin',
          read_at: '2026-11-26T11:00:00Z',
          message,
        }),
      )
      .join('\n') + '\n'
  );
}

async function esCount(query: object): Promise<number> {
  const res = await fetch(`${testEsUrl()}/${collector.indexPrefix}-2*/_count`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { count?: number; error?: unknown };
  if (body.count === undefined) throw new Error(`count failed: ${JSON.stringify(body)}`);
  return body.count;
}

async function search(q: string): Promise<{ total: { value: number }; hits: Record<string, unknown>[] }> {
  const url = new URL(`${collector.url}/api/v1/search`);
  url.searchParams.set('q', q);
  url.searchParams.set('from', '2026-11-01T00:00:00Z');
  url.searchParams.set('to', '2026-12-01T00:00:00Z');
  url.searchParams.set('limit', '5');
  const res = await fetch(url, { headers: { authorization: `Bearer ${collector.tokens.read}` } });
  return (await res.json()) as { total: { value: number }; hits: Record<string, unknown>[] };
}

describe('parsed formats stored in Elasticsearch', () => {
  it('accepts every fixture line (none dead-lettered) with typed ECS fields', async () => {
    let total = 0;
    for (const [file, format] of FILES) {
      const body = fixtureEvents(file, format);
      const lines = body.split('\n').length - 1;
      const res = await postIngest(collector.url, collector.tokens.ingest, body);
      expect([file, res.status, res.body]).toEqual([
        file,
        200,
        { accepted: lines, duplicates: 0, rejected: 0, errors: [] },
      ]);
      total += lines;
    }
    expect(total).toBe(2790);
    await refresh(collector);
    expect(await esCount({ match_all: {} })).toBe(2790);

    // Numbers are longs: a range works. nginx 35 + apache 40 access lines with 5xx (fixture generator's tally).
    const access = { terms: { 'event.dataset': ['nginx', 'apache'] } };
    const status = (range: object) => ({
      bool: { filter: [access, { range: { 'http.response.status_code': range } }] },
    });
    expect(await esCount(status({ gte: 500 }))).toBe(75);
    expect(await esCount(status({ gte: 400, lt: 500 }))).toBe(53 + 35);
    // source.ip is an ip: a CIDR term matches IPv4 and IPv6 clients.
    expect(await esCount({ term: { 'source.ip': '2001:db8::/32' } })).toBeGreaterThan(0);
    expect(await esCount({ term: { 'source.ip': '203.0.113.0/24' } })).toBeGreaterThan(0);
    // The ECS line whose status_code was text kept it as a label instead of being refused.
    expect(await esCount({ term: { 'labels.http_response_status_code': 'n/a' } })).toBe(6);
    expect(await esCount({ term: { 'event.dataset': 'postgres' } })).toBe(500);
    expect(await esCount({ term: { 'log.flags': 'parse_failed' } })).toBe(0);
    expect(await esCount({ range: { 'event.duration': { gt: 0 } } })).toBeGreaterThan(0);

    const mapping = (await (
      await fetch(
        `${testEsUrl()}/${collector.indexPrefix}-2026.11.26/_mapping/field/http.response.status_code,source.ip,message,url.path,process.pid`,
      )
    ).json()) as Record<
      string,
      { mappings: Record<string, { mapping: Record<string, { type: string; norms?: boolean }> }> }
    >;
    const fields = Object.values(mapping)[0]!.mappings;
    expect(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, Object.values(v.mapping)[0]!.type]))).toEqual({
      'http.response.status_code': 'long',
      'source.ip': 'ip',
      message: 'text',
      'url.path': 'keyword',
      'process.pid': 'long',
    });
  });

  it('finds parsed fields through the query language and shows them in hits', async () => {
    expect((await search('http.response.status_code:>=500 AND (dataset:nginx OR dataset:apache)')).total.value).toBe(
      75,
    );
    expect((await search('level:fatal AND dataset:postgres')).total.value).toBe(63 + 36);
    const hit = (await search('id:"nginx/access.log:0"')).hits[0]!;
    expect(hit).toMatchObject({
      timestamp: '2026-11-26T06:25:03.000Z',
      level: 'warn',
      host: 'fixture-host',
      fields: {
        'http.request.method': 'GET',
        'http.response.status_code': 404,
        'source.ip': '203.0.113.7',
        'url.path': '/api/v1/users/me',
      },
    });
  });

  it('stores the original bytes of a line the shipper repaired (binary, not indexed)', async () => {
    const event = {
      id: 'bytes-1',
      message: 'caf\ufffd au lait',
      flags: ['invalid_utf8'],
      original_base64: Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20]).toString('base64'),
      timestamp: '2026-11-26T10:00:00Z',
    };
    const res = await postIngest(collector.url, collector.tokens.ingest, JSON.stringify(event) + '\n');
    expect(res.body).toEqual({ accepted: 1, duplicates: 0, rejected: 0, errors: [] });
    await refresh(collector);
    const hit = (await search('id:bytes-1')).hits[0]!;
    expect(hit.fields).toEqual({ 'event.original_base64': 'Y2Fm6SA=', 'log.flags': ['invalid_utf8'] });
  });
});
