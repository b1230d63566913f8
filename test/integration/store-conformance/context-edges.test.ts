import type { StoredEvent } from '../../../collector/store/ecs-document.js';
import { ES_START_TIMEOUT_MS } from '../../support/elasticsearch.js';
import { STORE_TARGETS, type StoreUnderTest } from './store-targets.js';

/** The anchor's millisecond: 10:00 on its day, so the looks within a minute and an hour stay inside that day. */
const T = Date.parse('2026-11-24T10:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 3_600_000;

interface Spec {
  id: string;
  ms: number;
  host: string;
  source: string;
  offset: number;
}

/**
 * Eleven events at the anchor's very millisecond, which only the search order (host, source, offset, id) puts on
 * one side of it: three hosts, two files of one host, two offsets of one file, and two ids at one offset. Around
 * them a few events at every distance the context widens through: within a minute, within an hour, on the
 * anchor's day, and on the days before and after.
 */
const TIES: Spec[] = [
  ['tie-a', 'a-1', '/var/log/a.log', 10],
  ['tie-b', 'a-1', '/var/log/a.log', 20],
  ['tie-c', 'a-1', '/var/log/z.log', 5],
  ['tie-d', 'b-1', '/var/log/b.log', 7],
  ['tie-e2', 'b-1', '/var/log/b.log', 8],
  ['tie-e1', 'b-1', '/var/log/b.log', 8],
  ['anchor', 'b-1', '/var/log/b.log', 9],
  ['tie-f', 'b-1', '/var/log/b.log', 10],
  ['tie-g', 'b-1', '/var/log/c.log', 1],
  ['tie-h', 'c-1', '/var/log/c.log', 3],
  ['tie-i', 'c-1', '/var/log/c.log', 4],
].map(([id, host, source, offset]) => ({
  id: id as string,
  ms: T,
  host: host as string,
  source: source as string,
  offset: offset as number,
}));
const AROUND: Spec[] = [
  ['ms-before', T - 1, 'c-1'],
  ['ms-after', T + 1, 'a-1'],
  ['30s-before', T - 30_000, 'a-1'],
  ['45s-after', T + 45_000, 'c-1'],
  ['2min-before', T - 2 * MINUTE, 'b-1'],
  ['3min-after', T + 3 * MINUTE, 'a-1'],
  ['2h-before', T - 2 * HOUR, 'c-1'],
  ['5h-after', T + 5 * HOUR, 'b-1'],
  ['day-before', T - 14 * HOUR, 'a-1'],
  ['day-after', T + 17 * HOUR, 'c-1'],
  ['week-before', T - 6 * 24 * HOUR, 'b-1'],
].map(([id, ms, host], i) => ({
  id: id as string,
  ms: ms as number,
  host: host as string,
  source: `/var/log/${host as string}.log`,
  offset: 1000 + i,
}));
const ALL = [...TIES, ...AROUND];

function event(s: Spec): StoredEvent {
  const ts = new Date(s.ms).toISOString();
  return {
    id: s.id,
    doc: {
      '@timestamp': ts,
      message: `line ${s.id}`,
      host: { name: s.host },
      service: { name: 'app' },
      log: { level: 'info', file: { path: s.source }, offset: s.offset },
      event: { id: s.id, ingested: ts, dataset: 'plain' },
    },
  };
}

const cmp = (a: string | number, b: string | number) => (a === b ? 0 : a < b ? -1 : 1);
/** The search order of every store: time, host, source, offset, id. */
const compare = (a: Spec, b: Spec) =>
  a.ms - b.ms || cmp(a.host, b.host) || cmp(a.source, b.source) || cmp(a.offset, b.offset) || cmp(a.id, b.id);
const SORTED = [...ALL].sort(compare);
const AT = SORTED.findIndex((s) => s.id === 'anchor');

/**
 * The context's edges, the same on every store: ties at the anchor's millisecond across hosts, files and offsets
 * split by the search order, and sides that the nearest look (a minute) cannot fill, so the answer comes from the
 * hour, the day or every day. Whichever look answers, the context is the nearest events in the search order.
 */
describe.each(STORE_TARGETS)('context edges on the $name store', (target) => {
  let sut: StoreUnderTest;

  beforeAll(async () => {
    sut = await target.create('ctxedges');
    expect((await sut.store.write(ALL.map(event))).accepted).toBe(22);
    await sut.refresh();
  }, ES_START_TIMEOUT_MS);

  afterAll(async () => {
    await sut?.dispose();
  });

  it('splits the ties at the anchor millisecond by host, file, offset and id', async () => {
    const result = await sut.store.context({ id: 'anchor', before: 8, after: 6, hosts: [] });
    expect(result?.before.map((h) => h.id)).toEqual([
      '30s-before',
      'ms-before',
      'tie-a',
      'tie-b',
      'tie-c',
      'tie-d',
      'tie-e1',
      'tie-e2',
    ]);
    expect(result?.after.map((h) => h.id)).toEqual(['tie-f', 'tie-g', 'tie-h', 'tie-i', 'ms-after', '45s-after']);
  });

  it.each([1, 3, 6, 7, 8, 9, 10, 11, 12, 50])('answers %i on each side, nearest first', async (n) => {
    const result = await sut.store.context({ id: 'anchor', before: n, after: n, hosts: [] });
    expect(result?.anchor.id).toBe('anchor');
    expect(result?.before.map((h) => h.id)).toEqual(SORTED.slice(Math.max(0, AT - n), AT).map((s) => s.id));
    expect(result?.after.map((h) => h.id)).toEqual(SORTED.slice(AT + 1, AT + 1 + n).map((s) => s.id));
  });

  it('answers every event when fewer than asked exist: 12 before and 9 after', async () => {
    const result = await sut.store.context({ id: 'anchor', before: 50, after: 50, hosts: [] });
    expect([result?.before.length, result?.after.length]).toEqual([12, 9]);
    expect(result?.before[0]?.id).toBe('week-before');
    expect(result?.after.at(-1)?.id).toBe('day-after');
  });

  it('keeps to the chosen hosts, ties included', async () => {
    const result = await sut.store.context({ id: 'anchor', before: 50, after: 50, hosts: ['b-1'] });
    const b = SORTED.filter((s) => s.host === 'b-1');
    const at = b.findIndex((s) => s.id === 'anchor');
    expect(result?.before.map((h) => h.id)).toEqual(['week-before', '2min-before', 'tie-d', 'tie-e1', 'tie-e2']);
    expect(result?.before.map((h) => h.id)).toEqual(b.slice(0, at).map((s) => s.id));
    expect(result?.after.map((h) => h.id)).toEqual(['tie-f', 'tie-g', '5h-after']);
  });

  it.each([
    [1, 7, 5],
    [MINUTE, 8, 6],
    [HOUR, 9, 7],
  ])('keeps within a window of %i ms: %i before and %i after', async (windowMs, before, after) => {
    const result = await sut.store.context({ id: 'anchor', before: 50, after: 50, hosts: [], windowMs });
    const near = SORTED.filter((s) => Math.abs(s.ms - T) <= windowMs);
    const at = near.findIndex((s) => s.id === 'anchor');
    expect([result?.before.length, result?.after.length]).toEqual([before, after]);
    expect(result?.before.map((h) => h.id)).toEqual(near.slice(0, at).map((s) => s.id));
    expect(result?.after.map((h) => h.id)).toEqual(near.slice(at + 1).map((s) => s.id));
  });
});
