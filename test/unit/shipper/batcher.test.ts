import { Batcher, type Batch } from '../../../shipper/batcher.js';

interface Pending {
  batch: Batch<string>;
  finish: () => void;
}

/** A batcher whose dispatches stay open until the test finishes them. */
function manualBatcher(options: { maxEvents?: number; maxBytes?: number; maxWaitMs?: number; maxInFlight?: number }) {
  const pending: Pending[] = [];
  const batcher = new Batcher<string>(
    {
      maxEvents: options.maxEvents ?? 1000,
      maxBytes: options.maxBytes ?? 1 << 20,
      maxWaitMs: options.maxWaitMs ?? 60_000,
      maxInFlight: options.maxInFlight ?? 2,
    },
    (batch) => new Promise<void>((resolve) => pending.push({ batch, finish: resolve })),
    (err) => {
      throw err;
    },
  );
  return { batcher, pending };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('batcher', () => {
  it('seals a batch at max_events and records the last offset per source', async () => {
    const { batcher, pending } = manualBatcher({ maxEvents: 3 });
    batcher.add('{"m":1}', 'a.log', 10);
    batcher.add('{"m":2}', 'b.log', 7);
    expect(pending).toHaveLength(0);
    batcher.add('{"m":3}', 'a.log', 20);
    expect(pending).toHaveLength(1);
    expect(pending[0]!.batch.body.lines).toEqual(['{"m":1}', '{"m":2}', '{"m":3}']);
    expect([...pending[0]!.batch.offsets]).toEqual([
      ['a.log', 20],
      ['b.log', 7],
    ]);
    expect(pending[0]!.batch.body.body.length).toBe(24);
    pending[0]!.finish();
    await batcher.close();
  });

  it('keeps the NDJSON body under max_bytes', async () => {
    const { batcher, pending } = manualBatcher({ maxBytes: 100 });
    const event = JSON.stringify({ message: 'x'.repeat(30) }); // 45 bytes + newline = 46
    for (let i = 0; i < 5; i++) batcher.add(event, 'a.log', i + 1);
    // 46 + 46 fits, a third would make 138 > 100.
    expect(pending.map((p) => p.batch.body.lines.length)).toEqual([2, 2]);
    expect(pending.every((p) => p.batch.body.body.length <= 100)).toBe(true);
    pending.forEach((p) => p.finish());
    const closed = batcher.close();
    await tick();
    pending[2]!.finish();
    await closed;
    expect(pending.map((p) => p.batch.body.lines.length)).toEqual([2, 2, 1]);
  });

  it('sends a partial batch after max_wait', async () => {
    const { batcher, pending } = manualBatcher({ maxWaitMs: 30 });
    batcher.add('{"m":1}', 'a.log', 5);
    expect(pending).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 60));
    expect(pending).toHaveLength(1);
    pending[0]!.finish();
    await batcher.close();
  });

  it('stalls writers while max_in_flight batches are outstanding and holds at most one more', async () => {
    const { batcher, pending } = manualBatcher({ maxEvents: 2, maxInFlight: 2 });
    let accepted = 0;
    let blocked = false;
    const writer = (async () => {
      for (let i = 0; i < 20; i++) {
        const wait = batcher.add(`{"i":${i}}`, 'a.log', i + 1);
        accepted++;
        if (wait) {
          blocked = true;
          await wait;
          blocked = false;
        }
      }
    })();
    await tick();
    // Two batches in flight, a third sealed and waiting: the writer is blocked after 6 events.
    expect(pending).toHaveLength(2);
    expect(accepted).toBe(6);
    expect(blocked).toBe(true);
    expect(batcher.sending).toBe(2);

    pending[0]!.finish();
    await tick();
    await tick();
    expect(pending).toHaveLength(3);
    expect(accepted).toBe(8);

    // Acknowledge batches as they come until the writer is done: 20 events make 10 batches.
    for (let finished = 1; finished < 10; finished++) {
      while (pending.length <= finished) await tick();
      pending[finished]!.finish();
    }
    await writer;
    const sent = pending.flatMap((p) => p.batch.body.lines);
    expect(sent).toHaveLength(20);
    expect(sent[19]).toBe('{"i":19}');
    await batcher.close();
  });

  it('sends the open batch on close and ignores events after it', async () => {
    const batches: number[] = [];
    const batcher = new Batcher<string>(
      { maxEvents: 100, maxBytes: 1 << 20, maxWaitMs: 60_000, maxInFlight: 1 },
      async (b) => {
        batches.push(b.body.count);
      },
      () => undefined,
    );
    batcher.add('{"a":1}', 'x', 1);
    batcher.add('{"a":2}', 'x', 2);
    await batcher.close();
    expect(batches).toEqual([2]);
    expect(batcher.add('{"a":3}', 'x', 3)).toBeUndefined();
    await tick();
    expect(batches).toEqual([2]);
  });
});
