import { toHit, type StoredEvent } from '../../../../collector/store/ecs-document.js';
import { parseQuery } from '../../../../collector/query/parse-query.js';
import type { CaseContext } from '../case-context.js';
import type { StoreUnderTest } from '../store-targets.js';

/**
 * Events as a shipper and a `_bulk` sender leave them: parsed fields, labels, flags, a read time, and one with
 * nothing but a message. Written to a store of their own, so the main fixture's counts stay as they are.
 */
const EVENTS: StoredEvent[] = [
  {
    id: 'ev-nginx',
    doc: {
      '@timestamp': '2026-11-21T08:15:02.250Z',
      message: '203.0.113.7 - - [21/Nov/2026:08:15:02 +0000] "POST /api/orders HTTP/1.1" 502 157 "-" "curl/8.5.0"',
      host: { name: 'web-2' },
      service: { name: 'api' },
      log: { level: 'error', file: { path: '/var/log/nginx/access.log' }, offset: 88_412 },
      event: {
        id: 'ev-nginx',
        ingested: '2026-11-21T08:15:03.941Z',
        created: '2026-11-21T08:15:02.611Z',
        dataset: 'nginx',
      },
      labels: { env: 'prod', team: 'payments' },
      'http.request.method': 'POST',
      'url.path': '/api/orders',
      'http.response.status_code': 502,
      'source.ip': '203.0.113.7',
      'user_agent.original': 'curl/8.5.0',
    },
  },
  {
    id: 'ev-cut',
    doc: {
      '@timestamp': '2026-11-21T08:15:04.000Z',
      message: 'x'.repeat(64),
      host: { name: 'db-1' },
      log: {
        file: { path: '/var/log/postgresql/postgresql.log' },
        offset: 0,
        flags: ['truncated'],
        original_bytes: 9000,
      },
      event: { id: 'ev-cut', ingested: '2026-11-21T08:15:05.000Z', dataset: 'plain' },
    },
  },
  {
    id: 'ev-bare',
    doc: {
      '@timestamp': '2026-11-21T08:15:05.500Z',
      message: 'no host, no file',
      event: { id: 'ev-bare', ingested: '2026-11-21T08:15:06.000Z', dataset: 'plain' },
    },
  },
  // Elasticsearch rebuilds a document from its fields (synthetic _source): everything that could come back
  // otherwise than written. A JSON log's parsed fields beside the core objects they share a root with (`log.logger`
  // beside `log.level`, `host.hostname` beside `host.name`, `event.duration` beside `event.id`), its own keys as
  // labels (names a plain object would take for its prototype, values that look like numbers, booleans, null or
  // JSON, empty, padded, longer than Elasticsearch indexes, in several scripts), addresses written otherwise than
  // their canonical form, the largest safe integer, a small double, and flags neither sorted nor unique.
  {
    id: 'ev-json',
    doc: {
      '@timestamp': '2026-11-21T08:15:06.125Z',
      message: 'payment captured: 19,99 € — ok ✓ 😀 שלום naïve\tcafé',
      host: { name: 'web-1' },
      service: { name: 'api' },
      log: {
        level: 'warn',
        file: { path: '/var/log/api/app.json' },
        offset: 1_024,
        flags: ['truncated', 'invalid_utf8', 'parse_failed', 'parse_failed'],
      },
      event: {
        id: 'ev-json',
        ingested: '2026-11-21T08:15:07.000Z',
        created: '2026-11-21T08:15:06.500Z',
        dataset: 'json',
      },
      labels: {
        zeta: 'last',
        ['__proto__']: 'not a prototype',
        constructor: 'not a function',
        leading_zeros: '007',
        exponent: '1e3',
        boolean_like: 'true',
        null_like: 'null',
        json_like: '{"a":[1,2]}',
        empty: '',
        padded: '  padded  ',
        scripts: '日本語 العربية Ελληνικά 🎉',
        long: 'L'.repeat(1500),
      },
      'log.logger': 'payments.capture',
      'log.origin.file.line': 118,
      'log.original_level': 'NOTICE',
      'host.hostname': 'web-1.internal',
      'event.duration': 1_532_117,
      'event.original_base64': 'AAEC/w==',
      'error.message': 'card declined\n\tcode 51',
      'error.stack_trace': 'Error: card declined\n    at capture (/srv/app.js:118:9)',
      'trace.id': '4bf92f3577b34da6a3ce929d0e0e4736',
      'url.original': `/search?q=${'a'.repeat(1100)}`,
      'client.ip': '::ffff:10.0.0.1',
      'source.ip': '2001:DB8:0:0::1',
      'destination.ip': '10.0.0.2',
      'source.port': 65_535,
      'process.pid': Number.MAX_SAFE_INTEGER,
      'mysql.slowlog.lock_time.sec': 0.000123,
      'user.name': 'Zoë',
    },
  },
  {
    id: 'ev-one-flag',
    doc: {
      '@timestamp': '2026-11-21T08:15:06.126Z',
      message: '',
      host: { name: 'web-1' },
      log: { flags: ['parse_failed'] },
      event: { id: 'ev-one-flag', ingested: '2026-11-21T08:15:07.000Z', dataset: 'plain' },
      labels: { only: '' },
    },
  },
];

/** A window around every event above. */
const WINDOW = { from: new Date('2026-11-21T08:00:00.000Z'), to: new Date('2026-11-21T09:00:00.000Z') };

/** One event by id (`/events/{id}`): the stored document back exactly as written, on every store. */
export function eventCases(ctx: CaseContext): void {
  describe('one event by id', () => {
    let sut: StoreUnderTest;
    beforeAll(async () => {
      sut = await ctx.target.create('event');
      const outcome = await sut.store.write(structuredClone(EVENTS));
      expect([outcome.accepted, outcome.duplicates, outcome.failures.length]).toEqual([EVENTS.length, 0, 0]);
      await sut.refresh();
    });
    afterAll(async () => {
      await sut?.dispose();
    });

    it.each(EVENTS.map((e) => [e.id, e] as const))('returns %s as written', async (id, written) => {
      expect(await sut.store.event(id)).toEqual(written);
    });

    it('returns every event as a search hit, a context and a tail exactly as written', async () => {
      const written = new Map(EVENTS.map((e) => [e.id, toHit(e.id, e.doc)]));
      const page = await sut.store.search({ query: { kind: 'all' }, ...WINDOW, limit: 10, order: 'asc' });
      expect(page.hits.map((h) => h.id)).toEqual(['ev-nginx', 'ev-cut', 'ev-bare', 'ev-json', 'ev-one-flag']);
      for (const hit of page.hits) expect(hit).toEqual(written.get(hit.id));
      const context = await sut.store.context({ id: 'ev-json', before: 5, after: 5, hosts: [] });
      expect([context!.anchor, ...context!.before, ...context!.after]).toEqual(
        ['ev-json', 'ev-nginx', 'ev-cut', 'ev-bare', 'ev-one-flag'].map((id) => written.get(id)),
      );
      const tail = await sut.store.tail({
        query: { kind: 'all' },
        sinceMs: Date.parse('2026-11-21T08:15:07.000Z'),
        limit: 10,
      });
      expect(tail.map((t) => t.hit)).toEqual(['ev-json', 'ev-one-flag'].map((id) => written.get(id)));
    });

    it('finds the JSON event by its id, its labels and its fields', async () => {
      for (const q of [
        'id:ev-json',
        'zeta:last',
        'leading_zeros:007',
        'client.ip:"::ffff:10.0.0.1"',
        'source.port:65535',
      ]) {
        const page = await sut.store.search({ query: parseQuery(q), ...WINDOW, limit: 10, order: 'asc' });
        expect([q, page.hits.map((h) => h.id)]).toEqual([q, ['ev-json']]);
      }
    });

    it('answers null for an unknown id, and for an id that differs only in case', async () => {
      expect(await sut.store.event('ev-none')).toBeNull();
      expect(await sut.store.event('EV-NGINX')).toBeNull();
    });
  });
}
