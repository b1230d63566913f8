import { BufferPool } from '../../../../collector/store/buffer-pool.js';
import type { StoredEvent } from '../../../../collector/store/ecs-document.js';
import { BulkEncoder, subBulk } from '../../../../collector/store/elasticsearch/bulk-encoder.js';

function event(id: string, timestamp: string, message: string): StoredEvent {
  return { id, doc: { '@timestamp': timestamp, message, event: { id, ingested: timestamp, dataset: 'generic' } } };
}

const events = [
  event('a', '2026-12-04T23:59:59.999Z', 'plain'),
  event('b', '2026-12-05T00:00:00.000Z', 'héllo 日本 \u{1F600}'),
  event('c', '2026-12-05T10:00:00.000Z', 'quote " and \\ backslash'),
];

/** The body as Elasticsearch reads it: action and document of every item. */
function items(body: Buffer): unknown[][] {
  const lines = body.toString('utf8').split('\n');
  expect(lines.pop()).toBe('');
  const pairs: unknown[][] = [];
  for (let i = 0; i < lines.length; i += 2) pairs.push([JSON.parse(lines[i]!), JSON.parse(lines[i + 1]!)]);
  return pairs;
}

describe('BulkEncoder', () => {
  it('encodes create actions into daily indices, multi-byte text included, and counts the items', () => {
    const bulk = new BulkEncoder('logs').encode(events);
    expect(items(bulk.body)).toEqual([
      [{ create: { _index: 'logs-2026.12.04', _id: 'a' } }, events[0]!.doc],
      [{ create: { _index: 'logs-2026.12.05', _id: 'b' } }, events[1]!.doc],
      [{ create: { _index: 'logs-2026.12.05', _id: 'c' } }, events[2]!.doc],
    ]);
    expect(bulk.count).toBe(3);
  });

  it('names the day of each event when days alternate and come back, in one body and across bodies', () => {
    const encoder = new BulkEncoder('logs');
    const days = ['2026-12-05', '2026-12-05', '2026-12-04', '2026-12-05', '2027-01-01', '2026-12-04', '2026-12-04'];
    const mixed = days.map((day, i) => event(`m${i}`, `${day}T12:00:00.${String(i).padStart(3, '0')}Z`, 'x'));
    const expected = mixed.map((e, i) => [
      { create: { _index: `logs-${days[i]!.replaceAll('-', '.')}`, _id: e.id } },
      e.doc,
    ]);
    expect(items(encoder.encode(mixed).body)).toEqual(expected);
    // The next body starts on another day than the last one ended with.
    expect(items(encoder.encode([events[1]!, events[0]!]).body)).toEqual([
      [{ create: { _index: 'logs-2026.12.05', _id: 'b' } }, events[1]!.doc],
      [{ create: { _index: 'logs-2026.12.04', _id: 'a' } }, events[0]!.doc],
    ]);
  });

  it('cuts a retry of some items from the encoded bytes, byte for byte', () => {
    // A message with a newline and a quote: escaped in the document, so items are still two lines each.
    const withNewline = [...events, event('d', '2026-12-05T11:00:00.000Z', 'two\nlines "quoted"')];
    const bulk = new BulkEncoder('logs').encode(withNewline);
    const item = (e: StoredEvent) =>
      `{"create":{"_index":"${e.doc['@timestamp'] < '2026-12-05' ? 'logs-2026.12.04' : 'logs-2026.12.05'}","_id":"${e.id}"}}\n${JSON.stringify(e.doc)}\n`;
    const cases: number[][] = [[0, 2], [1], [3], [0, 1, 2, 3], [2, 3]];
    for (const keep of cases) {
      const retry = subBulk(bulk, keep);
      expect(retry.count).toBe(keep.length);
      expect(retry.body.toString('utf8')).toBe(keep.map((i) => item(withNewline[i]!)).join(''));
    }
  });

  it('reuses a released body for the next request and never one still held', () => {
    const encoder = new BulkEncoder('logs', new BufferPool(2));
    const first = encoder.encode(events);
    const second = encoder.encode(events);
    expect(second.body.buffer).not.toBe(first.body.buffer);
    first.release();
    first.release();
    const third = encoder.encode(events.slice(0, 2));
    expect(third.body.buffer).toBe(first.body.buffer);
    const fourth = encoder.encode(events);
    expect(fourth.body.buffer).not.toBe(first.body.buffer);
    expect(items(second.body)).toHaveLength(3);
  });
});

describe('BulkBuilder', () => {
  it('moves a body that outgrows its first buffer into a larger one, every item intact, and guesses from the last', () => {
    const pool = new BufferPool(4);
    const encoder = new BulkEncoder('logs', pool);
    // ~1 KiB items: 200 of them pass the first 64 KiB buffer twice.
    const many = Array.from({ length: 200 }, (_, i) => event(`id-${i}`, '2026-12-05T10:00:00.000Z', 'é'.repeat(500)));
    const builder = encoder.start();
    for (const e of many) builder.add(e);
    const bulk = builder.finish();
    expect(bulk.count).toBe(200);
    expect(bulk.body.length).toBeGreaterThan(3 * 65_536);
    expect(items(bulk.body)).toEqual(many.map((e) => [{ create: { _index: 'logs-2026.12.05', _id: e.id } }, e.doc]));
    // The buffers it outgrew went back to the pool; the next body starts in one as large as this one needs.
    const next = encoder.start();
    for (const e of many) next.add(e);
    const again = next.finish();
    expect(again.body.equals(bulk.body)).toBe(true);
    expect(again.body.buffer.byteLength).toBeGreaterThanOrEqual(bulk.body.length);
    expect(again.body.buffer).not.toBe(bulk.body.buffer);
  });
});

describe('BufferPool', () => {
  it('keeps at most its number of free buffers, the largest ones', () => {
    const pool = new BufferPool(1);
    const small = pool.take(10);
    const large = pool.take(200_000);
    expect(large.bytes.length).toBe(200_000);
    large.release();
    small.release();
    // The large buffer was kept: a small request fits in it.
    expect(pool.take(100_000).bytes.buffer).toBe(large.bytes.buffer);
  });

  it('does not keep a buffer over 8 MiB: one huge request does not hold its memory for good', () => {
    const pool = new BufferPool(4);
    const huge = pool.take(9 << 20);
    huge.release();
    expect(pool.take(9 << 20).bytes.buffer).not.toBe(huge.bytes.buffer);
  });
});
