import type { Hit } from '../../../protocol/event.js';
import { startTestCollector, type TestCollector } from '../../support/collector-harness.js';
import { ingestAll } from './search-fixture.js';
import { SseClient } from './sse-client.js';

/** `n` events of one host, or of two alternating hosts when `otherHost` is given (only `host` matches the tail). */
function events(prefix: string, n: number, host: string, otherHost?: string) {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${String(i).padStart(5, '0')}`,
    timestamp: new Date().toISOString(),
    host: otherHost && i % 2 === 1 ? otherHost : host,
    message: `big request ${prefix} ${i}`,
  }));
}

const STORES = [
  ['elasticsearch', {}],
  // No elasticsearch section: the collector uses the embedded store in its data dir.
  ['embedded', { elasticsearch: undefined }],
] as const;

describe.each(STORES)('live tail of big ingest requests on the %s store', (name, overrides) => {
  let collector: TestCollector;
  let client: SseClient | undefined;
  beforeAll(async () => {
    collector = await startTestCollector(`tail-big-${name}`, overrides);
  });
  afterAll(async () => {
    client?.close();
    await collector?.dispose();
  });

  it('delivers every matching event of 5,000-event requests, each once and in ingest order', async () => {
    const url = `${collector.url}/api/v1/tail?q=${encodeURIComponent('host:big-1')}`;
    client = await SseClient.open(url, { authorization: `Bearer ${collector.tokens.read}` });
    expect(client.status).toBe(200);
    await client.until((f) => f.some((x) => x.comment === 'tail started'), 5000);

    // One request of 5,000 matching events (one ingest millisecond, more than a tail page), then one of 10,000
    // where every other event belongs to another host.
    const first = events('a', 5000, 'big-1');
    const second = events('b', 10_000, 'big-1', 'big-2');
    await ingestAll(collector, first, 5000);
    await client.until((f) => f.filter((x) => x.data).length >= 5000, 20_000);
    await ingestAll(collector, second, 10_000);
    const expected = [...first, ...second.filter((e) => e.host === 'big-1')].map((e) => e.id);
    expect(expected).toHaveLength(10_000);
    await client.until((f) => f.filter((x) => x.data).length >= expected.length, 20_000);
    // Later polls must not send anything again.
    await new Promise((r) => setTimeout(r, 1500));

    expect(client.frames.filter((f) => f.event === 'error')).toEqual([]);
    const got = client.events().map((f) => (JSON.parse(f.data!) as Hit).id);
    expect(got.length).toBe(10_000);
    expect(new Set(got).size).toBe(10_000);
    // Within one request the ids share an ingest millisecond and come in id order.
    expect(got).toEqual(expected);
  });
});
