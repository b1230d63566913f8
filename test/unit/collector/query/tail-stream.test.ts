import { decodeTailPosition, encodeTailPosition, comparePositions } from '../../../../collector/query/tail-position.js';
import { TailStream } from '../../../../collector/routes/tail-stream.js';
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

/** One poll's events, all pages together. */
async function pollAll(stream: TailStream): Promise<TailEvent[]> {
  const events: TailEvent[] = [];
  const delivered = await stream.poll((page) => events.push(...page));
  expect(delivered).toBe(events.length);
  return events;
}

describe('tail stream', () => {
  it('delivers an event that became visible after later ones, once', async () => {
    const visible = [ev('a', 1000), ev('c', 1200)];
    const stream = new TailStream(visibleStore(visible), { kind: 'all' }, { ingestedMs: 900, id: '' }, options);
    expect((await pollAll(stream)).map((e) => e.hit.id)).toEqual(['a', 'c']);
    visible.push(ev('b', 1100), ev('d', 1300), ev('e', 1300));
    expect((await pollAll(stream)).map((e) => e.hit.id).sort()).toEqual(['b', 'd', 'e']);
    expect(await pollAll(stream)).toEqual([]);
  });

  it('pages through a batch larger than a page that shares one ingest millisecond', async () => {
    const visible = Array.from({ length: 7 }, (_, i) => ev(`x${i}`, 5000));
    const calls = { tail: 0 };
    const stream = new TailStream(visibleStore(visible, calls), { kind: 'all' }, { ingestedMs: 4000, id: '' }, options);
    // Handed over page by page, so a big batch is sent between reads instead of all at once.
    const pages: string[][] = [];
    await stream.poll((page) => pages.push(page.map((e) => e.hit.id)));
    expect(pages).toEqual([['x0', 'x1'], ['x2', 'x3'], ['x4', 'x5'], ['x6']]);
    calls.tail = 0;
    expect(await pollAll(stream)).toEqual([]);
    expect(calls.tail).toBe(1); // nothing late: the count check spares a re-read
  });

  it('marks every event with the high-water position, so a resume skips all that was sent', async () => {
    const visible = [ev('a', 1000), ev('c', 1200)];
    const stream = new TailStream(visibleStore(visible), { kind: 'all' }, { ingestedMs: 0, id: '' }, options);
    await pollAll(stream);
    visible.push(ev('b', 1100));
    const [late] = await pollAll(stream);
    expect(late!.hit.id).toBe('b');
    expect(late!.position).toEqual({ ingestedMs: 1200, id: 'c' });
    const resumeAt = decodeTailPosition(encodeTailPosition(late!.position));
    visible.push(ev('d', 1250));
    const resumed = new TailStream(visibleStore(visible), { kind: 'all' }, resumeAt, options);
    expect((await pollAll(resumed)).map((e) => e.hit.id)).toEqual(['d']);
    expect(await pollAll(resumed)).toEqual([]);
  });
});
