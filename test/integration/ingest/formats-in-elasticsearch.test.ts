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

/** Each fixture with the format a shipper would name, and its line count (`wc -l`). */
const FILES: [string, string, number][] = [
  ['nginx/access.log', 'nginx', 34],
  ['nginx/error.log', 'nginx', 58],
  ['apache/access.log', 'auto', 26],
  ['apache/error.log', 'apache', 91],
  ['syslog/messages.log', 'syslog', 16],
  ['syslog/rfc5424.log', 'auto', 16],
  // auto: the lines continuing a multi-line statement are stored as plain text, not as failed postgres lines.
  ['postgres/postgresql.log', 'auto', 94],
  ['postgres/postgresql.csv', 'auto', 82],
  ['mysql/error.log', 'auto', 68],
  ['json/pino.log', 'json', 10],
  ['json/ecs.log', 'auto', 6],
  ['json/log4j.log', 'json', 7],
  ['plain/app.log', 'auto', 33],
];
const TOTAL = FILES.reduce((n, [, , lines]) => n + lines, 0);

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
          // After the fixtures were written (syslog dates have no year: they fall before the read time).
          read_at: '2026-12-20T11:00:00Z',
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
  url.searchParams.set('to', '2026-12-31T00:00:00Z');
  url.searchParams.set('limit', '5');
  const res = await fetch(url, { headers: { authorization: `Bearer ${collector.tokens.read}` } });
  return (await res.json()) as { total: { value: number }; hits: Record<string, unknown>[] };
}

describe('parsed formats stored in Elasticsearch', () => {
  it('accepts every fixture line (none dead-lettered) with typed ECS fields', async () => {
    let total = 0;
    for (const [file, format, lines] of FILES) {
      const body = fixtureEvents(file, format);
      expect([file, body.split('\n').length - 1]).toEqual([file, lines]);
      const res = await postIngest(collector.url, collector.tokens.ingest, body);
      expect([file, res.status, res.body]).toEqual([
        file,
        200,
        { accepted: lines, duplicates: 0, rejected: 0, errors: [] },
      ]);
      total += lines;
    }
    expect(total).toBe(TOTAL);
    expect(TOTAL).toBe(541);
    await refresh(collector);
    expect(await esCount({ match_all: {} })).toBe(TOTAL);

    // Numbers are longs: a range works. nginx 4 + apache 3 access lines with 5xx, 10 + 6 with 4xx (by `awk '{print $9}'`
    // of the access logs; the nginx 400 is the TLS handshake line).
    const access = { terms: { 'event.dataset': ['nginx', 'apache'] } };
    const status = (range: object) => ({
      bool: { filter: [access, { range: { 'http.response.status_code': range } }] },
    });
    expect(await esCount(status({ gte: 500 }))).toBe(4 + 3);
    expect(await esCount(status({ gte: 400, lt: 500 }))).toBe(10 + 6);
    // source.ip is an ip: a CIDR term matches IPv4 and IPv6 clients (nginx and apache served [::1] 3 times each).
    const answered = { exists: { field: 'http.response.status_code' } };
    expect(await esCount({ bool: { filter: [access, answered, { term: { 'source.ip': '::1/128' } }] } })).toBe(3 + 3);
    expect(await esCount({ bool: { filter: [access, answered, { term: { 'source.ip': '127.0.0.0/8' } }] } })).toBe(
      34 + 26 - 3 - 3,
    );
    // The ECS line whose status_code was text kept it as a label instead of being refused.
    expect(await esCount({ term: { 'labels.http_response_status_code': 'n/a' } })).toBe(1);
    // 83 stderr lines with a prefix; 68 complete one-line csvlog records (3 records span several lines).
    expect(await esCount({ term: { 'event.dataset': 'postgres' } })).toBe(83 + 68);
    expect(await esCount({ term: { 'log.flags': 'parse_failed' } })).toBe(0);
    expect(await esCount({ range: { 'event.duration': { gt: 0 } } })).toBeGreaterThan(0);

    const mapping = (await (
      await fetch(
        `${testEsUrl()}/${collector.indexPrefix}-2026.12.05/_mapping/field/http.response.status_code,source.ip,message,url.path,process.pid`,
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
      4 + 3,
    );
    expect((await search('level:fatal AND dataset:postgres')).total.value).toBe(2 + 2);
    const hit = (await search('id:"nginx/access.log:0"')).hits[0]!;
    expect(hit).toMatchObject({
      timestamp: '2026-12-05T06:06:06.000Z',
      level: 'info',
      host: 'fixture-host',
      fields: {
        'http.request.method': 'GET',
        'http.response.status_code': 200,
        'source.ip': '127.0.0.1',
        'url.path': '/',
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
