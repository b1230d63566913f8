import type { Hit } from '../../../../protocol/event.js';
import type { SearchPage } from '../../../../collector/store/log-store.js';
import { packPage, unpackPage } from '../../../../collector/store/embedded/read-protocol.js';

/**
 * A search page crosses from a read thread to the store as one array per hit field: what arrives must be the page
 * as it was, hit for hit and key for key, after the structured clone the thread's message goes through.
 */
const hit = (i: number, over: Partial<Hit> = {}): Hit => ({
  id: `h-${i}`,
  timestamp: new Date(Date.UTC(2026, 10, 20, 10, 0, i)).toISOString(),
  host: `web-${i}`,
  service: 'api',
  level: 'info',
  source: '/var/log/api.log',
  offset: i * 100,
  message: `line ${i}`,
  fields: {},
  ...over,
});

describe('search pages between threads', () => {
  it('gives back every hit, with and without fields and values, and the rest of the page', () => {
    const page: SearchPage = {
      hits: [
        hit(1),
        hit(2, { host: null, service: null, level: null, source: null, offset: null, message: '' }),
        hit(3, { fields: { env: 'prod', 'http.response.status_code': 503, 'log.flags': ['multiline'] } }),
        hit(4, { level: 'fatal', offset: 0 }),
      ],
      lastKey: [1_790_000_000_000, 'web-4', '/var/log/api.log', 400, 'h-4'],
      total: { value: 10_000, relation: 'gte' },
      tookMs: 3,
      snapshot: null,
    };
    const copy = structuredClone(page);
    const arrived = unpackPage(structuredClone(packPage(page)));
    expect(arrived).toEqual(copy);
    expect(JSON.stringify(arrived)).toBe(JSON.stringify(copy));
    // Packing leaves the page it was given alone.
    expect(page).toEqual(copy);
  });

  it('sends each host, service, level and source once, however many hits carry it', () => {
    const hits = Array.from({ length: 300 }, (_, i) =>
      hit(i, { host: `web-${i % 3}`, level: i % 2 ? 'info' : 'warn', source: i === 7 ? null : '/var/log/api.log' }),
    );
    const page: SearchPage = { hits, lastKey: null, total: { value: 300, relation: 'eq' }, tookMs: 1, snapshot: null };
    const packed = packPage(page);
    expect(packed.hits.names).toEqual(['web-0', 'api', 'warn', '/var/log/api.log', 'web-1', 'info', 'web-2']);
    expect(packed.hits.named).toHaveLength(1_200);
    const arrived = unpackPage(structuredClone(packed));
    expect(arrived.hits).toHaveLength(300);
    expect(JSON.stringify(arrived)).toBe(JSON.stringify(page));
  });

  it('gives back an empty page', () => {
    const page: SearchPage = {
      hits: [],
      lastKey: null,
      total: { value: 0, relation: 'eq' },
      tookMs: 0,
      snapshot: null,
    };
    expect(unpackPage(structuredClone(packPage(page)))).toEqual(page);
  });
});
