/**
 * Live tails must not hurt ingest (issue 15, item 3): with five streams open, 20,000 events are stored and every
 * stream gets each of its events once, `/healthz` answers within 1 s, and streams past the limits are refused with a
 * coded 429, on both stores.
 */
import { SseClient } from '../integration/search/sse-client.js';
import {
  getJson,
  ingestMany,
  spawnSecurityCollector,
  STORES,
  underHealthProbe,
  type SecurityCollector,
} from './security-fixture.js';

const EVENTS = 20_000;

describe.each(STORES)('live tails on the %s store', (store) => {
  let collector: SecurityCollector;
  const open: SseClient[] = [];
  const tail = (token: string, q = '') =>
    SseClient.open(`${collector.url}/api/v1/tail${q ? `?q=${encodeURIComponent(q)}` : ''}`, {
      authorization: `Bearer ${token}`,
    }).then((client) => {
      open.push(client);
      return client;
    });

  beforeAll(async () => {
    // Its own process: the test's clients parsing 68,000 events here would share the collector's thread otherwise.
    collector = await spawnSecurityCollector(store, `tail-${store}`, {
      search: { tail_max_streams: 11, tail_max_streams_per_token: 8 },
    });
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await collector?.dispose();
  });

  it('stores 20,000 events with five streams open, and each stream gets each of its events once', async () => {
    // The audit's five streams: three of everything share one poll, two have a query of their own.
    const everything = await Promise.all([1, 2, 3].map(() => tail(collector.tokens.read)));
    const hosts = await Promise.all([0, 1].map((h) => tail(collector.tokens.admin, `host:web-${h}`)));
    for (const client of [...everything, ...hosts]) expect(client.status).toBe(200);
    const [sum, health] = await underHealthProbe(collector.url, () =>
      ingestMany(collector, EVENTS, 1000, (i) => ({
        id: `tail-${i}`,
        host: `web-${i % 5}`,
        message: `tailed event ${i}`,
      })),
    );
    expect(sum).toEqual({ accepted: EVENTS, duplicates: 0, rejected: 0 });
    expect(health.maxMs).toBeLessThan(1000);
    const delivered = (client: SseClient) => client.events().filter((f) => f.event === undefined).length;
    for (const client of everything) await client.until(() => delivered(client) >= EVENTS, 60_000);
    for (const client of hosts) await client.until(() => delivered(client) >= EVENTS / 5, 60_000);
    // A little longer: nothing more (no repeats) arrives.
    await new Promise((r) => setTimeout(r, 1500));
    // A poll that fails under load sends `event: error` and the stream retries: only events count here.
    const hitsOf = (client: SseClient) =>
      client
        .events()
        .flatMap((f) => (f.event === undefined ? [JSON.parse(f.data!) as { id: string; host: string }] : []));
    for (const client of everything) {
      const ids = hitsOf(client).map((hit) => hit.id);
      expect(ids).toHaveLength(EVENTS);
      expect(new Set(ids).size).toBe(EVENTS);
    }
    hosts.forEach((client, h) => {
      const hits = hitsOf(client);
      expect(hits).toHaveLength(EVENTS / 5);
      expect(new Set(hits.map((x) => x.id)).size).toBe(EVENTS / 5);
      expect(hits.every((x) => x.host === `web-${h}`)).toBe(true);
    });
  }, 180_000);

  it('refuses streams past the per-token and the total limit with 429 TAIL_TOO_MANY_STREAMS', async () => {
    // The read token holds 3 already: 5 more reach its limit of 8, the next is refused.
    for (let i = 0; i < 5; i++) expect((await tail(collector.tokens.read)).status).toBe(200);
    const perToken = await getJson(`${collector.url}/api/v1/tail`, collector.tokens.read);
    expect(perToken.status).toBe(429);
    expect(perToken.body).toEqual({ error: { code: 'TAIL_TOO_MANY_STREAMS', message: expect.any(String) } });
    expect(perToken.headers.get('retry-after')).toBe('5');
    // 8 (read) + 2 (admin) = 10: the admin token's next stream makes 11, the total; the one after is refused.
    expect((await tail(collector.tokens.admin)).status).toBe(200);
    const total = await getJson(`${collector.url}/api/v1/tail`, collector.tokens.admin);
    expect(total.status).toBe(429);
    expect((total.body as { error: { code: string } }).error.code).toBe('TAIL_TOO_MANY_STREAMS');
    // Closing a stream of the read token frees its place.
    const readStream = open.find((c, i) => i < 3)!;
    readStream.close();
    await new Promise((r) => setTimeout(r, 1500));
    expect((await tail(collector.tokens.read)).status).toBe(200);
    expect((await getJson(`${collector.url}/healthz`, undefined)).status).toBe(200);
  });
});
