/**
 * Log text is attacker-controlled (issue 15, "the attack matrix" and item 6): markup comes back as data, query text
 * never reaches SQL or Elasticsearch syntax, half surrogate pairs and `__proto__` fields are kept, `logship search
 * --json` escapes terminal controls, and everything in the data directory is the service user's alone.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Hit } from '../../protocol/event.js';
import type { SearchResult } from '../../protocol/search.js';
import { runLogship } from '../support/processes.js';
import { getJson, startSecurityCollector, STORES, type SecurityCollector } from './security-fixture.js';

const XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>';
const ATTR = '"><svg onload=alert(3)>';
const TERMINAL = 'pay \u202eevil\u202c now \u009b31m red \u001b[2J \u2066iso\u2069 \u200f';

describe.each(STORES)('hostile data on the %s store', (store) => {
  let collector: SecurityCollector;
  const search = (q: string) =>
    getJson<SearchResult & { error?: { code: string } }>(
      `${collector.url}/api/v1/search?q=${encodeURIComponent(q)}&from=now-1h&limit=100`,
      collector.tokens.read,
    );
  const hit = async (id: string): Promise<Hit> => {
    const answer = await search(`event.id:"${id}"`);
    expect(answer.body.hits).toHaveLength(1);
    return answer.body.hits[0]!;
  };

  beforeAll(async () => {
    collector = await startSecurityCollector(store, `data-${store}`);
    // Sent as text: the JSON escapes (a half surrogate pair) must reach the collector as written.
    const lines = [
      JSON.stringify({ id: 'xss-1', host: 'web-<b>1</b>', message: XSS, fields: { note: ATTR } }),
      '{"id":"half-1","message":"half \\ud800 pair"}',
      '{"id":"proto-1","message":"a proto label","fields":{"__proto__":"kept","constructor":"too"}}',
      JSON.stringify({
        id: 'proto-2',
        format: 'json',
        message: '{"msg":"a proto key in a JSON line","__proto__":"json"}',
      }),
      JSON.stringify({ id: 'term-1', message: TERMINAL }),
      ...Array.from({ length: 20 }, (_, i) =>
        JSON.stringify({ id: `plain-${i}`, host: 'web-1', message: `plain ${i}` }),
      ),
    ];
    const res = await fetch(`${collector.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${collector.tokens.ingest}` },
      body: lines.join('\n'),
    });
    expect(await res.json()).toEqual({ accepted: 25, duplicates: 0, rejected: 0, errors: [] });
    await collector.refresh();
  });
  afterAll(async () => {
    await collector?.dispose();
  });

  it('returns markup as data in JSON, and the UI forbids inline scripts', async () => {
    const answer = await search('event.id:"xss-1"');
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.body.hits[0]).toMatchObject({ message: XSS, host: 'web-<b>1</b>', fields: { note: ATTR } });
    const ui = await fetch(`${collector.url}/`, { headers: { accept: 'text/html' } });
    expect(ui.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(ui.headers.get('content-security-policy')).not.toContain('unsafe-inline');
  });

  it('never lets query text reach SQL or Elasticsearch syntax: coded answers only, and nothing is lost', async () => {
    const queries = [
      `host:"web-1' OR '1'='1"`,
      `message:"a\\" OR 1=1 --"`,
      `x'); DROP TABLE events; --`,
      'NEAR(plain 1)',
      'plain* OR "plain 1" NOT {*}',
      `labels.a'b:c`,
      `"unterminated`,
      'host:/.*/',
      'message:/[/',
      `service.name:"\u0000"`,
      'log.offset:[* TO *]',
    ];
    for (const q of queries) {
      const answer = await search(q);
      expect([q, answer.status === 200 || answer.status === 400]).toEqual([q, true]);
      if (answer.status === 400) expect(answer.body.error?.code).toMatch(/^QUERY_|^BAD_PARAMETER$/);
    }
    expect((await search('host:web-1 AND plain')).body.total).toEqual({ value: 20, relation: 'eq' });
    expect((await search('')).body.total).toEqual({ value: 25, relation: 'eq' });
  });

  it('keeps a half surrogate pair as one U+FFFD with the original bytes, like invalid UTF-8', async () => {
    const half = await hit('half-1');
    expect(half.message).toBe('half \ufffd pair');
    expect(half.fields['log.flags']).toEqual(['invalid_utf8']);
    // WTF-8: the surrogate U+D800 as the three bytes ED A0 80.
    const original = Buffer.from(half.fields['event.original_base64'] as string, 'base64');
    expect(original).toEqual(
      Buffer.concat([Buffer.from('half '), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(' pair')]),
    );
  });

  it('keeps fields named __proto__ as labels instead of dropping them', async () => {
    const shipped = await hit('proto-1');
    expect(Object.getOwnPropertyDescriptor(shipped.fields, '__proto__')?.value).toBe('kept');
    expect(shipped.fields.constructor).toBe('too');
    const parsed = await hit('proto-2');
    expect(parsed.message).toBe('a proto key in a JSON line');
    expect(Object.getOwnPropertyDescriptor(parsed.fields, '__proto__')?.value).toBe('json');
  });

  it('prints terminal controls escaped in logship search --json, as JSON that reads back the same', async () => {
    const run = await runLogship(['search', 'event.id:"term-1"', '--from', '1h', '--json'], {
      LOGSHIP_COLLECTOR_URL: collector.url,
      LOGSHIP_TOKEN: collector.tokens.read,
    });
    expect(run.code).toBe(0);
    // eslint-disable-next-line no-control-regex -- looking for raw control characters is the point
    expect(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(run.stdout)).toBe(
      false,
    );
    const printed = JSON.parse(run.stdout.trim()) as Hit;
    expect(printed.message).toBe(TERMINAL);
  });

  if (store === 'embedded') {
    it('keeps everything in the data directory to the service user: folders 0700, files 0600', async () => {
      const signIn = await fetch(`${collector.url}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: collector.tokens.read }),
      });
      expect(signIn.status).toBe(204);
      const mode = (path: string) => (statSync(join(collector.dataDir, path)).mode & 0o777).toString(8);
      expect(
        Object.fromEntries(
          [
            '.',
            'store',
            'store/events.db',
            'store/events.db-wal',
            'store/events.db-shm',
            'tokens.json',
            'sessions.db',
          ].map((p) => [p, mode(p)]),
        ),
      ).toEqual({
        '.': '700',
        store: '700',
        'store/events.db': '600',
        'store/events.db-wal': '600',
        'store/events.db-shm': '600',
        'tokens.json': '600',
        'sessions.db': '600',
      });
    });
  }
});
