import { decodeTailPosition, encodeTailPosition, comparePositions } from '../../../../collector/query/tail-position.js';
import { TailStream, type StreamedEvent } from '../../../../collector/routes/tail-stream.js';
import type { LogStore } from '../../../../collector/store/log-store.js';
import type { TailCountRequest, TailEvent, TailRequest } from '../../../../collector/store/read-model.js';

/**
 * An in-memory stand-in for the store's two tail reads, with the same contract as the Elasticsearch ones (those run
 * against the real server in test/integration/search/tail.test.ts): events become "visible" when the test says so.
 */
function visibleStore(visible: TailEvent[], calls = { tail: 0 }): LogStore {
  return {
    tail: async (r: TailRequest) => {
      calls.tail++;
      return visible
        .filter((e) => e.position.ingestedMs >= r.sinceMs && (!r.after || comparePositions(e.position, r.after) > 0))
        .sort((a, b) => comparePositions(a.position, b.position))
        .slice(0, r.limit);
    },
    tailCount: async (r: TailCountRequest) =>
      visible.filter((e) => e.position.ingestedMs >= r.sinceMs && e.position.ingestedMs <= r.untilMs).length,
  } as unknown as LogStore;
}

const ev = (id: string, ingestedMs: number): TailEvent => ({
  hit: {
    id,
    timestamp: '',
    host: null,
    service: null,
    level: null,
    source: null,
    offset: null,
    message: id,
    fields: {},
  },
  position: { ingestedMs, id },
});

const options = { pollMs: 1, overlapMs: 5000, pageSize: 2 };

/** A stream resumed (as on another collector) with the SSE id that `last` carried. */
function resumeAfter(visible: TailEvent[], last: StreamedEvent): TailStream {
  const id = encodeTailPosition(last.position, last.span);
  return new TailStream(visibleStore(visible), { kind: 'all' }, decodeTailPosition(id), options);
}

describe('tail stream', () => {
  it('delivers an event that became visible after later ones, once', async () => {
    const visible = [ev('a', 1000), ev('c', 1200)];
    const stream = new TailStream(visibleStore(visible), { kind: 'all' }, { ingestedMs: 900, id: '' }, options);
    expect((await stream.poll()).map((e) => e.hit.id)).toEqual(['a', 'c']);
    visible.push(ev('b', 1100), ev('d', 1300), ev('e', 1300));
    expect((await stream.poll()).map((e) => e.hit.id).sort()).toEqual(['b', 'd', 'e']);
    expect(await stream.poll()).toEqual([]);
  });

  it('pages through a batch larger than a page that shares one ingest millisecond', async () => {
    const visible = Array.from({ length: 7 }, (_, i) => ev(`x${i}`, 5000));
    const calls = { tail: 0 };
    const stream = new TailStream(visibleStore(visible, calls), { kind: 'all' }, { ingestedMs: 4000, id: '' }, options);
    expect((await stream.poll()).map((e) => e.hit.id)).toEqual(visible.map((e) => e.hit.id));
    calls.tail = 0;
    expect(await stream.poll()).toEqual([]);
    expect(calls.tail).toBe(1); // nothing late: the count check spares a re-read
  });

  it('marks every event with the high-water position, so a resume skips all that was sent', async () => {
    const visible = [ev('a', 1000), ev('c', 1200)];
    const stream = new TailStream(visibleStore(visible), { kind: 'all' }, { ingestedMs: 0, id: '' }, options);
    await stream.poll();
    visible.push(ev('b', 1100));
    const [late] = await stream.poll();
    expect(late!.hit.id).toBe('b');
    expect(late!.position).toEqual({ ingestedMs: 1200, id: 'c' });
    expect(late!.span).toEqual({ fromMs: 0, sent: 3 });
    const resumeAt = decodeTailPosition(encodeTailPosition(late!.position, late!.span));
    visible.push(ev('d', 1250));
    const resumed = new TailStream(visibleStore(visible), { kind: 'all' }, resumeAt, options);
    expect((await resumed.poll()).map((e) => e.hit.id)).toEqual(['d']);
    expect(await resumed.poll()).toEqual([]);
  });

  it('resumed elsewhere, delivers an event that became visible late before the break and after it, once', async () => {
    // The client got a and c; b (ingested between them) was not visible yet when its collector died.
    const visible = [ev('a', 10_000), ev('c', 10_200)];
    const first = new TailStream(visibleStore(visible), { kind: 'all' }, { ingestedMs: 9000, id: '' }, options);
    const got = await first.poll();
    const last = got.at(-1)!;
    visible.push(ev('b', 10_100));
    const resumed = resumeAfter(visible, last);
    // Which of the span's events the client has is unknown once the store holds more: all of it comes again.
    const again = (await resumed.poll()).map((e) => e.hit.id);
    expect(again).toEqual(['a', 'b', 'c']);
    const seen = new Set([...got.map((e) => e.hit.id), ...again]);
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
    // Later late events of the span are caught like in a live stream, and nothing is sent twice by this stream.
    visible.push(ev('b2', 10_150), ev('e', 10_300));
    expect((await resumed.poll()).map((e) => e.hit.id).sort()).toEqual(['b2', 'e']);
    expect(await resumed.poll()).toEqual([]);
  });

  it('resumed elsewhere with nothing late, repeats nothing and still catches a late event', async () => {
    const visible = [ev('a', 10_000), ev('c', 10_200)];
    const first = new TailStream(visibleStore(visible), { kind: 'all' }, { ingestedMs: 9000, id: '' }, options);
    const last = (await first.poll()).at(-1)!;
    const resumed = resumeAfter(visible, last);
    expect(await resumed.poll()).toEqual([]);
    visible.push(ev('b', 10_100));
    expect((await resumed.poll()).map((e) => e.hit.id)).toEqual(['b']);
  });

  it('does not count events from before a stream began in the span a resume re-checks', async () => {
    // x was stored before the subscription at 9,900; the client never had it and never should.
    const visible = [ev('x', 9_800), ev('a', 10_000)];
    const first = new TailStream(visibleStore(visible), { kind: 'all' }, { ingestedMs: 9_900, id: '' }, options);
    const last = (await first.poll()).at(-1)!;
    expect(last.span).toEqual({ fromMs: 9_900, sent: 1 });
    const resumed = resumeAfter(visible, last);
    expect(await resumed.poll()).toEqual([]);
  });

  it('loses nothing when a poll fails half-way: the events it had read come with the next poll', async () => {
    const visible = Array.from({ length: 5 }, (_, i) => ev(`p${i}`, 2000 + i));
    const store = visibleStore(visible);
    const tail = store.tail.bind(store);
    let calls = 0;
    // The second page of the first poll is refused (a shard still starting, an overloaded node).
    store.tail = async (r) => {
      if (++calls === 2) throw Object.assign(new Error('Elasticsearch answered 503.'), { code: 'STORE_UNAVAILABLE' });
      return tail(r);
    };
    const stream = new TailStream(store, { kind: 'all' }, { ingestedMs: 1000, id: '' }, options);
    await expect(stream.poll()).rejects.toThrow('503');
    expect((await stream.poll()).map((e) => e.hit.id)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect(await stream.poll()).toEqual([]);
  });

  it('refuses a Last-Event-ID it did not make', () => {
    for (const bad of [
      'garbage',
      Buffer.from('[1,"a",-1,0]').toString('base64url'),
      Buffer.from('[1,"a",2,5]').toString('base64url'),
    ]) {
      expect(() => decodeTailPosition(bad)).toThrow('Last-Event-ID');
    }
    expect(decodeTailPosition(Buffer.from('[7,"a"]').toString('base64url'))).toEqual({
      ingestedMs: 7,
      id: 'a',
      span: null,
    });
  });
});
