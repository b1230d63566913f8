import { pino } from 'pino';
import type { IngestResult } from '../../../protocol/ingest-result.js';
import { deliverBatch } from '../../../shipper/delivery.js';
import { NdjsonBatch } from '../../../shipper/ndjson-batch.js';
import { ShipperError } from '../../../shipper/shipper-error.js';

const logger = pino({ level: 'silent' });

function ok(n: number): IngestResult {
  return { accepted: n, duplicates: 0, rejected: 0, errors: [] };
}

describe('batch delivery', () => {
  it('splits a batch refused with 400 down to the one bad event and drops only that one', async () => {
    const lines = Array.from({ length: 8 }, (_, i) => JSON.stringify({ id: `e${i}`, message: i === 5 ? 'bad' : 'ok' }));
    const sizes: number[] = [];
    const outcome = await deliverBatch(NdjsonBatch.fromLines(lines), {
      logger,
      signal: new AbortController().signal,
      send: async (batch: NdjsonBatch) => {
        sizes.push(batch.lines.length);
        if (batch.lines.some((l) => l.includes('"bad"'))) {
          throw new ShipperError('SHIPPER_BATCH_REJECTED', 'Collector answered 400', 400);
        }
        return ok(batch.lines.length);
      },
    });
    expect(outcome).toEqual({ accepted: 7, duplicates: 0, rejected: 0, dropped: 1, aborted: false });
    // e0-7 refused → e0-3 ok; e4-7 refused → e4-5 refused → e4 ok, e5 dropped; e6-7 ok.
    expect(sizes).toEqual([8, 4, 4, 2, 1, 1, 2]);
  });

  it('retries connection errors with backoff until the collector answers', async () => {
    let calls = 0;
    const started = Date.now();
    const outcome = await deliverBatch(NdjsonBatch.fromLines(['{"message":"a"}', '{"message":"b"}']), {
      logger,
      signal: new AbortController().signal,
      random: () => 0.5,
      send: async () => {
        if (++calls <= 3) throw new ShipperError('SHIPPER_COLLECTOR_UNAVAILABLE', 'ECONNREFUSED', 503);
        return ok(2);
      },
    });
    expect(calls).toBe(4);
    expect(outcome.accepted).toBe(2);
    // Delays 100 + 200 + 400 ms with jitter fixed at one half.
    expect(Date.now() - started).toBeGreaterThanOrEqual(690);
  });

  it('never drops a batch on 401: it keeps retrying until the shipper stops', async () => {
    const stop = new AbortController();
    let calls = 0;
    const outcome = await deliverBatch(NdjsonBatch.fromLines(['{"message":"a"}']), {
      logger,
      signal: stop.signal,
      send: async () => {
        calls++;
        setTimeout(() => stop.abort(), 50);
        throw new ShipperError('SHIPPER_COLLECTOR_AUTH', 'Collector answered 401', 401);
      },
    });
    expect(calls).toBe(1);
    expect(outcome).toEqual({ accepted: 0, duplicates: 0, rejected: 0, dropped: 0, aborted: true });
  });
});
