import type { StoredEvent } from '../../../../collector/store/ecs-document.js';
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
];

/** One event by id (`/events/{id}`): the stored document back exactly as written, on every store. */
export function eventCases(ctx: CaseContext): void {
  describe('one event by id', () => {
    let sut: StoreUnderTest;
    beforeAll(async () => {
      sut = await ctx.target.create('event');
      const outcome = await sut.store.write(structuredClone(EVENTS));
      expect([outcome.accepted, outcome.duplicates, outcome.failures.length]).toEqual([3, 0, 0]);
      await sut.refresh();
    });
    afterAll(async () => {
      await sut?.dispose();
    });

    it.each(EVENTS.map((e) => [e.id, e] as const))('returns %s as written', async (id, written) => {
      expect(await sut.store.event(id)).toEqual(written);
    });

    it('answers null for an unknown id, and for an id that differs only in case', async () => {
      expect(await sut.store.event('ev-none')).toBeNull();
      expect(await sut.store.event('EV-NGINX')).toBeNull();
    });
  });
}
