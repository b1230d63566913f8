import { Batcher, type Batch } from '../../../shipper/batcher.js';

interface Pending {
  batch: Batch<string>;
  /** The events as dispatched: a batch's buffer is reused once it settled. */
  lines: string[];
  finish: () => void;
}

/** A batcher whose dispatches stay open until the test finishes them. */
function manualBatcher(options: {
  maxEvents?: number;
  maxBytes?: number;
  maxWaitMs?: number;
  maxInFlight?: number;
  turnIdleMs?: number;
}) {
  const pending: Pending[] = [];
  const batcher = new Batcher<string>(
    {
      maxEvents: options.maxEvents ?? 1000,
      maxBytes: options.maxBytes ?? 1 << 20,
      maxWaitMs: options.maxWaitMs ?? 60_000,
      maxInFlight: options.maxInFlight ?? 2,
      turnIdleMs: options.turnIdleMs ?? 100,
    },
    (batch) => new Promise<void>((resolve) => pending.push({ batch, lines: batch.body.lines, finish: resolve })),
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
    expect(pending[0]!.lines).toEqual(['{"m":1}', '{"m":2}', '{"m":3}']);
    // Where each event ends is found from the bytes when a failed send needs it (splitting the batch in halves).
    const [head, tail] = pending[0]!.batch.body.splitAt(1);
    expect([head.lines, tail.lines, tail.count]).toEqual([['{"m":1}'], ['{"m":2}', '{"m":3}'], 2]);
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
    expect(pending.map((p) => p.lines.length)).toEqual([2, 2]);
    expect(pending.every((p) => p.batch.body.body.length <= 100)).toBe(true);
    pending.forEach((p) => p.finish());
    const closed = batcher.close();
    await tick();
    pending[2]!.finish();
    await closed;
    expect(pending.map((p) => p.lines.length)).toEqual([2, 2, 1]);
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
    const sent = pending.flatMap((p) => p.lines);
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

  /**
   * A producer like a harvester: adds `count` events of `source`, awaiting whenever the batcher pushes back, then
   * ends its turn (unless `endTurn` is false: a reader stuck on a slow file).
   */
  function writer(batcher: Batcher<string>, source: string, count: number, endTurn = true): Promise<void> {
    return (async () => {
      for (let i = 0; i < count; i++) {
        const wait = batcher.add(`{"s":"${source}","i":${i}}`, source, i + 1);
        if (wait) await wait;
      }
      if (endTurn) batcher.endTurn(source);
    })();
  }

  /** Finishes dispatched batches as they come until `done` settles. */
  async function acknowledgeUntil(pending: Pending[], done: Promise<unknown>): Promise<void> {
    let finished = 0;
    let over = false;
    void done.then(() => (over = true));
    while (!over) {
      if (pending.length > finished) pending[finished++]!.finish();
      await tick();
    }
  }

  it('gives stalled sources turns in the order they stalled, so a batch holds one or two sources', async () => {
    const { batcher, pending } = manualBatcher({ maxEvents: 4, maxInFlight: 1 });
    const writers = Promise.all(['a', 'b', 'c'].map((source) => writer(batcher, source, 12)));
    await acknowledgeUntil(
      pending,
      writers.then(() => batcher.close()),
    );
    const sources = pending.map((p) => [...new Set(p.lines.map((l) => (JSON.parse(l) as { s: string }).s))]);
    const events = pending.flatMap((p) => p.lines.map((l) => JSON.parse(l) as { s: string; i: number }));
    expect(events).toHaveLength(36);
    // Every source's events arrive once and in order.
    for (const source of ['a', 'b', 'c']) {
      expect(events.filter((e) => e.s === source).map((e) => e.i)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    }
    // Turns, not one event of every stalled source per batch.
    expect(Math.max(...sources.map((s) => s.length))).toBeLessThanOrEqual(2);
    // Fair: each source is in one of the first four batches, and none is last alone for long.
    expect(new Set(sources.slice(0, 4).flat()).size).toBe(3);
    // Each batch's offsets name exactly its sources, with the offset after their last event in it.
    for (const p of pending) {
      const last = new Map<string, number>();
      for (const l of p.lines) {
        const e = JSON.parse(l) as { s: string; i: number };
        last.set(e.s, e.i + 1);
      }
      expect(new Map([...p.batch.offsets].sort())).toEqual(new Map([...last].sort()));
    }
  });

  /**
   * a fills one batch that is sent and a second that must wait, so it stalls; b and c stall behind it. When the slot
   * frees, b gets the next turn, adds its only event and ends its turn or not (`bEndsTurn`); c must follow, and a,
   * back from its stall, waits behind c. Returns how long c waited after the slot freed.
   */
  async function turnAfterEarlyEnd(bEndsTurn: boolean, turnIdleMs: number): Promise<number> {
    const { batcher, pending } = manualBatcher({ maxEvents: 3, maxInFlight: 1, turnIdleMs });
    const a = writer(batcher, 'a', 7);
    await tick();
    const b = writer(batcher, 'b', 1, bEndsTurn);
    const c = writer(batcher, 'c', 1);
    await tick();
    expect(pending.map((p) => p.lines.length)).toEqual([3]);
    pending[0]!.finish();
    const freed = Date.now();
    await Promise.all([b, c]);
    const waited = Date.now() - freed;
    await tick();
    pending[1]!.finish();
    await tick();
    expect(pending[2]!.lines).toEqual(['{"s":"b","i":0}', '{"s":"c","i":0}', '{"s":"a","i":6}']);
    await acknowledgeUntil(pending, Promise.all([a, batcher.close()]));
    expect(pending.flatMap((p) => p.lines)).toHaveLength(9);
    return waited;
  }

  it('lets the next stalled source in when a turn ends early, and queues a source that comes back behind it', async () => {
    // With a ten-minute idle limit, c can only be let in this soon by b ending its turn.
    expect(await turnAfterEarlyEnd(true, 600_000)).toBeLessThan(5_000);
  });

  it('ends the turn of a source that stopped adding events, so the sources behind it go on', async () => {
    // b never ends its turn (a reader stuck on a slow disk): c goes on once b added nothing for 50 ms.
    expect(await turnAfterEarlyEnd(false, 50)).toBeGreaterThanOrEqual(45);
  });

  it('lets stalled producers go on when closed, dropping their queued events (read again after a restart)', async () => {
    const { batcher, pending } = manualBatcher({ maxEvents: 1, maxInFlight: 1 });
    let added = 0;
    const count = (source: string) =>
      (async () => {
        for (let i = 0; i < 3; i++) {
          const wait = batcher.add(`{"s":"${source}","i":${i}}`, source, i + 1);
          added++;
          if (wait) await wait;
        }
      })();
    const writers = Promise.all([count('a'), count('b')]);
    await tick();
    // One batch sent, one waiting for the slot, b queued: nothing moves until a slot frees.
    expect([pending.length, added]).toEqual([1, 3]);
    const closed = batcher.close();
    await tick();
    // b, queued, goes on at once (its events are ignored now); a waits for the sealed batch to leave.
    expect(added).toBe(5);
    await acknowledgeUntil(pending, Promise.all([closed, writers]));
    expect(added).toBe(6);
    expect(pending.map((p) => p.lines)).toEqual([['{"s":"a","i":0}'], ['{"s":"a","i":1}']]);
  });
});
