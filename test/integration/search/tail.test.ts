import type { Hit } from '../../../protocol/event.js';
import { startTestCollector, type TestCollector } from '../../support/collector-harness.js';
import { ApiClient } from '../../../cli/api-client.js';
import { expectSchema } from './openapi-validator.js';
import { ingestAll } from './search-fixture.js';
import { SseClient } from './sse-client.js';

let collector: TestCollector;
const open: SseClient[] = [];

beforeAll(async () => {
  collector = await startTestCollector('tail', { search: { tail_heartbeat: '1s' } });
});
afterAll(async () => {
  for (const c of open) c.close();
  await collector?.dispose();
});

async function subscribe(params: Record<string, string>, headers: Record<string, string> = {}): Promise<SseClient> {
  const url = new URL(`${collector.url}/api/v1/tail`);
  for (const [k, v] of Object.entries(params)) url.searchParams.append(k, v);
  const client = await SseClient.open(url.toString(), { authorization: `Bearer ${collector.tokens.read}`, ...headers });
  open.push(client);
  await client.until((f) => f.some((x) => x.comment === 'tail started'), 5000);
  return client;
}

function batch(prefix: string, n: number, host: string) {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${String(i).padStart(4, '0')}`,
    timestamp: new Date().toISOString(),
    host,
    message: `tail event ${prefix} ${i}`,
  }));
}

const ids = (c: SseClient) => c.events().map((f) => (JSON.parse(f.data!) as Hit).id);

describe('live tail over Server-Sent Events', () => {
  it('delivers matching events written after subscribing within 2 s, with keep-alive comments', async () => {
    await ingestAll(collector, batch('before', 5, 'tail-1'));
    const client = await subscribe({ q: 'host:tail-1' });
    expect(client.status).toBe(200);
    await ingestAll(collector, [...batch('one', 40, 'tail-1'), ...batch('other', 10, 'tail-2')]);
    const written = Date.now();
    await client.until((f) => f.filter((x) => x.data).length >= 40, 5000);
    const latency = Date.now() - written;
    if (process.env.LOGSHIP_TEST_LOG) console.log(`tail latency ${latency} ms`);
    expect(latency).toBeLessThan(2000);
    expect(ids(client)).toEqual(batch('one', 40, 'tail-1').map((e) => e.id));
    for (const f of client.events()) expectSchema('Hit', JSON.parse(f.data!));
    await client.until((f) => f.some((x) => x.comment?.startsWith('keep-alive')), 3000);
    client.close();
  });

  it('delivers a 5,000-event request (one ingest millisecond, more than a page) completely and once', async () => {
    const client = await subscribe({ q: 'host:tail-big' });
    await ingestAll(collector, batch('big', 5000, 'tail-big'), 5000);
    await client.until((f) => f.filter((x) => x.data).length >= 5000, 8000);
    await new Promise((r) => setTimeout(r, 1200));
    const got = ids(client);
    expect(got).toHaveLength(5000);
    expect(new Set(got).size).toBe(5000);
    client.close();
  });

  it('resumes after Last-Event-ID with no gap and no repeat', async () => {
    const first = await subscribe({ q: 'host:tail-3' });
    await ingestAll(collector, batch('a', 25, 'tail-3'));
    await first.until((f) => f.filter((x) => x.data).length >= 25, 5000);
    const lastId = first.events().at(-1)!.id!;
    first.close();

    // Written while nobody listens: the resumed stream must deliver exactly these.
    await ingestAll(collector, batch('b', 30, 'tail-3'));
    await ingestAll(collector, batch('c', 10, 'tail-4'));
    const resumed = await subscribe({ q: 'host:tail-3' }, { 'last-event-id': lastId });
    await resumed.until((f) => f.filter((x) => x.data).length >= 30, 5000);
    await ingestAll(collector, batch('d', 5, 'tail-3'));
    await resumed.until((f) => f.filter((x) => x.data).length >= 35, 5000);
    // Long enough for a wrong re-read of the overlap to show up as a repeat.
    await new Promise((r) => setTimeout(r, 1500));
    expect(ids(resumed)).toEqual([...batch('b', 30, 'tail-3'), ...batch('d', 5, 'tail-3')].map((e) => e.id));
    resumed.close();
  });

  it('gives a new stream its start as an id, so a stream lost before its first event resumes with no gap', async () => {
    const first = await subscribe({ q: 'host:tail-6' });
    const start = first.frames.find((f) => f.id !== undefined && f.data === undefined);
    expect(start?.id).toMatch(/^[\w-]+$/);
    first.close();
    // Stored while the client reconnects (its collector died before any event matched): a stream started afresh
    // would never deliver these.
    await ingestAll(collector, batch('g', 15, 'tail-6'));
    const resumed = await subscribe({ q: 'host:tail-6' }, { 'last-event-id': start!.id! });
    await resumed.until((f) => f.filter((x) => x.data).length >= 15, 5000);
    await new Promise((r) => setTimeout(r, 1200));
    expect(ids(resumed)).toEqual(batch('g', 15, 'tail-6').map((e) => e.id));
    // A resumed stream carries its client's position already: no second start id.
    expect(resumed.frames.filter((f) => f.id !== undefined && f.data === undefined)).toEqual([]);
    resumed.close();
  });

  it('feeds `logship search --follow` through the API client until it is stopped', async () => {
    const client = new ApiClient(collector.url, collector.tokens.read);
    const got: Hit[] = [];
    const stop = new AbortController();
    const following = client.tail({ q: 'host:tail-5' }, (hit) => got.push(hit), stop.signal);
    await new Promise((r) => setTimeout(r, 300));
    await ingestAll(collector, [
      ...batch('f', 12, 'tail-5'),
      { id: 'ctl', host: 'tail-5', message: 'bell\u0007 esc\u001b[2J' },
    ]);
    const deadline = Date.now() + 5000;
    while (got.length < 13 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    await following;
    expect(got.map((h) => h.id).sort()).toEqual([...batch('f', 12, 'tail-5').map((e) => e.id), 'ctl'].sort());
    await expect(new ApiClient(collector.url, 'lsp_wrong').tail({}, () => undefined)).rejects.toMatchObject({
      code: 'AUTH_INVALID',
    });
  });

  it('ends open streams when the collector stops, so shutdown does not wait for them', async () => {
    const other = await startTestCollector('tail-stop');
    const url = `${other.url}/api/v1/tail`;
    const client = await SseClient.open(url, { authorization: `Bearer ${other.tokens.read}` });
    await client.until((f) => f.some((x) => x.comment === 'tail started'), 5000);
    const started = Date.now();
    await other.stop();
    const stopMs = Date.now() - started;
    client.close();
    await other.dispose();
    expect(stopMs).toBeLessThan(2000);
  });

  it('refuses a Last-Event-ID it did not make and requires a read token', async () => {
    const url = `${collector.url}/api/v1/tail`;
    const bad = await fetch(url, {
      headers: { authorization: `Bearer ${collector.tokens.read}`, 'last-event-id': 'xyz' },
    });
    expect(bad.status).toBe(400);
    const forbidden = await fetch(url, { headers: { authorization: `Bearer ${collector.tokens.ingest}` } });
    expect(forbidden.status).toBe(403);
  });
});
