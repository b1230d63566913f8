import { ShipperError } from '../../../shipper/shipper-error.js';
import { NdjsonBatch } from '../../../shipper/ndjson-batch.js';
import { Sender } from '../../../shipper/sender.js';
import { startFakeCollector, type FakeCollector } from '../../support/fake-collector.js';

function events(n: number, prefix: string): string[] {
  return Array.from({ length: n }, (_, i) => JSON.stringify({ id: `${prefix}-${i}`, message: `line ${i}` }));
}

async function errorOf(p: Promise<unknown>): Promise<ShipperError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ShipperError) return err;
    throw err;
  }
  throw new Error('expected a ShipperError');
}

describe('sender', () => {
  let a: FakeCollector;
  let b: FakeCollector;
  beforeEach(async () => {
    a = await startFakeCollector({ token: 'tok' });
    b = await startFakeCollector({ token: 'tok' });
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it('posts a batch and returns the ingest result, duplicates included', async () => {
    const sender = new Sender({ collectors: [a.url], token: 'tok' });
    try {
      expect(await sender.sendBatch(NdjsonBatch.fromLines(events(3, 'x')))).toEqual({
        accepted: 3,
        duplicates: 0,
        rejected: 0,
        errors: [],
      });
      expect(await sender.sendBatch(NdjsonBatch.fromLines(events(4, 'x')))).toMatchObject({
        accepted: 1,
        duplicates: 3,
      });
      expect(a.events.size).toBe(4);
    } finally {
      await sender.close();
    }
  });

  it('turns 401, 413 and 503 into coded errors with the Retry-After delay', async () => {
    const bad = new Sender({ collectors: [a.url], token: 'wrong' });
    const good = new Sender({ collectors: [a.url], token: 'tok' });
    try {
      expect((await errorOf(bad.sendBatch(NdjsonBatch.fromLines(events(1, 'y'))))).code).toBe('SHIPPER_COLLECTOR_AUTH');
      a.failNext(1, { status: 413 });
      expect((await errorOf(good.sendBatch(NdjsonBatch.fromLines(events(1, 'y'))))).code).toBe(
        'SHIPPER_BATCH_REJECTED',
      );
      a.failNext(1, { status: 503, retryAfter: 4 });
      const e = await errorOf(good.sendBatch(NdjsonBatch.fromLines(events(1, 'y'))));
      expect([e.code, e.status, e.retryAfterMs]).toEqual(['SHIPPER_COLLECTOR_UNAVAILABLE', 503, 4000]);
    } finally {
      await bad.close();
      await good.close();
    }
  });

  it('fails over to the next collector when one is down', async () => {
    await a.down();
    const sender = new Sender({ collectors: [a.url, b.url], token: 'tok' });
    try {
      const e = await errorOf(sender.sendBatch(NdjsonBatch.fromLines(events(2, 'z'))));
      expect(e.code).toBe('SHIPPER_COLLECTOR_UNAVAILABLE');
      expect(sender.currentCollector).toBe(b.url);
      expect(await sender.sendBatch(NdjsonBatch.fromLines(events(2, 'z')))).toMatchObject({ accepted: 2 });
      expect(b.events.size).toBe(2);
    } finally {
      await sender.close();
    }
  });
});
