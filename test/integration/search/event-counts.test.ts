import pino from 'pino';
import { collectorConfig } from '../../../collector/config.js';
import { parseQuery } from '../../../collector/query/parse-query.js';
import { esStoreOptions } from '../../../collector/store/create-store.js';
import type { EcsDocument, StoredEvent } from '../../../collector/store/ecs-document.js';
import { EsStore } from '../../../collector/store/elasticsearch/es-store.js';
import type { HistogramBucket, StackField } from '../../../collector/store/read-model.js';
import { deleteIndices, esTarget, refreshIndices, type EsTarget } from '../../support/elasticsearch.js';
import { seededRandom } from '../../support/seeded-random.js';

/**
 * Histograms from the per-hour event counts (es-counts.ts) on the real server: bucket for bucket the same as counting
 * the events themselves (computed here from the events written), edge minutes and empty buckets included, and still
 * exact when a batch is resent, when events were written but not counted yet (a collector that stopped between the
 * two), when late events land in an old day, and when a count was half rewritten.
 */
const HOUR = 3_600_000;
const START = Date.parse('2026-10-05T21:00:00.000Z');
const SPAN = 29 * HOUR;
const HOSTS = ['web-1', 'web-2', 'db-1', null] as const;
const SERVICE: Record<string, string> = { 'web-1': 'api', 'web-2': 'api', 'db-1': 'postgres' };
const LEVELS = ['info', 'info', 'warn', 'error', 'debug', null] as const;

interface Fact {
  ms: number;
  host: string | null;
  service: string | null;
  level: string | null;
}

let target: EsTarget;
let store: EsStore;
const prefix = `t-counts-${process.pid}`;
const facts: Fact[] = [];
/** Each request of the store (path and body), to see which reads the counts' cells answered. */
const searched: string[] = [];

function events(n: number, seed: number, from: number, span: number, idPrefix: string): StoredEvent[] {
  const random = seededRandom(seed);
  const out: StoredEvent[] = [];
  for (let i = 0; i < n; i++) {
    const host = HOSTS[Math.floor(random() * HOSTS.length)]!;
    const level = LEVELS[Math.floor(random() * LEVELS.length)]!;
    const ms = from + Math.floor(random() * span);
    const doc: EcsDocument = {
      '@timestamp': new Date(ms).toISOString(),
      message: `request ${i} done`,
      event: { id: `${idPrefix}-${i}` },
      ...(host ? { host: { name: host }, service: { name: SERVICE[host]! } } : {}),
      ...(level ? { log: { level } } : {}),
    } as EcsDocument;
    out.push({ id: `${idPrefix}-${i}`, doc });
  }
  return out;
}

function remember(written: StoredEvent[]): void {
  for (const e of written) {
    const d = e.doc as {
      '@timestamp': string;
      host?: { name: string };
      service?: { name: string };
      log?: { level: string };
    };
    facts.push({
      ms: Date.parse(d['@timestamp']),
      host: d.host?.name ?? null,
      service: d.service?.name ?? null,
      level: d.log?.level ?? null,
    });
  }
}

const QUERIES: [string, (f: Fact) => boolean][] = [
  ['', () => true],
  ['host:web-1', (f) => f.host === 'web-1'],
  ['level:error OR level:warn', (f) => f.level === 'error' || f.level === 'warn'],
  ['NOT host:db-1 AND service:api', (f) => f.host !== 'db-1' && f.service === 'api'],
  ['level:*', (f) => f.level !== null],
];
const STACKS = [undefined, 'host.name', 'log.level', 'service.name'] as const;
const BY_FIELD: Record<StackField, keyof Fact> = {
  'host.name': 'host',
  'service.name': 'service',
  'log.level': 'level',
};

/** The histogram counted from the events written (the oracle), in the API's shape. */
function expected(q: number, from: number, to: number, intervalMs: number, by?: StackField): HistogramBucket[] {
  const match = QUERIES[q]![1];
  const buckets: HistogramBucket[] = [];
  for (let key = from - (from % intervalMs); key <= to; key += intervalMs) {
    const inside = facts.filter(
      (f) => f.ms >= Math.max(key, from) && f.ms <= Math.min(to, key + intervalMs - 1) && match(f),
    );
    const bucket: HistogramBucket = { key: new Date(key).toISOString(), count: inside.length };
    if (by) {
      const counts = new Map<string, number>();
      for (const f of inside) {
        const value = (f[BY_FIELD[by]] as string | null) ?? '(none)';
        counts.set(value, (counts.get(value) ?? 0) + 1);
      }
      bucket.by = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
    }
    buckets.push(bucket);
  }
  return buckets;
}

function histogram(q: number, from: number, to: number, intervalMs: number, by?: StackField) {
  return store.histogram({
    query: parseQuery(QUERIES[q]![0]),
    from: new Date(from),
    to: new Date(to),
    intervalMs,
    ...(by ? { by } : {}),
  });
}

/** Every query, interval and stacking over windows with ragged edges: each answer equal to the oracle's. */
async function expectExact(): Promise<void> {
  const windows: [number, number][] = [
    [START + 7 * 60_000 + 13_123, START + SPAN - 8 * 60_000 + 1],
    [START - 2 * HOUR, START + SPAN + HOUR],
  ];
  const cases: [number, number, number, number, StackField | undefined][] = [];
  for (const [from, to] of windows)
    for (const intervalMs of [15 * 60_000, 2 * HOUR, 24 * HOUR])
      for (let q = 0; q < QUERIES.length; q++)
        for (const by of q === 0 ? STACKS : ([undefined, 'host.name'] as const))
          cases.push([q, from, to, intervalMs, by]);
  // A few at a time: a hundred reads one after the other would make this the slowest suite.
  for (let i = 0; i < cases.length; i += 6) {
    const chunk = cases.slice(i, i + 6);
    const got = await Promise.all(chunk.map((c) => histogram(...c)));
    expect(chunk.map((c, k) => [c, got[k]])).toEqual(chunk.map((c) => [c, expected(...c)]));
  }
}

async function refresh(): Promise<void> {
  await refreshIndices(`${prefix}-*`, target);
}

/** Whether a stacked histogram of the whole span was answered from the cells, without the plain aggregation. */
async function readCells(): Promise<boolean> {
  searched.length = 0;
  await histogram(0, START, START + SPAN, 2 * HOUR, 'host.name');
  const cells = searched.some((r) => r.includes(`${prefix}-counts-2026.10.06`) && r.includes('"kind":"cell"'));
  const plain = searched.some((r) => r.includes('"fixed_interval":"7200000ms"') && !r.includes('"should"'));
  return cells && !plain;
}

beforeAll(async () => {
  target = await esTarget('plain');
  await deleteIndices(`${prefix}-*`, target);
  const config = collectorConfig({ elasticsearch: { ...target.settings, index_prefix: prefix } });
  store = new EsStore(esStoreOptions(config), pino({ level: 'silent' }));
  store.client.diagnostic.on('request', (_err, result) => {
    const { path, body } = result?.meta.request.params ?? {};
    if (path) searched.push(`${path} ${typeof body === 'string' ? body : JSON.stringify(body ?? '')}`);
  });
  await store.init();
  const first = events(4000, 19, START, SPAN, 'a');
  expect(await store.write(first)).toMatchObject({ accepted: 4000, duplicates: 0, failures: [] });
  remember(first);
  await refresh();
});

afterAll(async () => {
  await store?.close();
  await deleteIndices(`${prefix}-*`, target);
});

describe('histograms from the event counts', () => {
  it('answers from the events alone before anything is counted', async () => {
    expect(await readCells()).toBe(false);
    await expectExact();
  });

  it('counts every hour once, and then answers from the counts exactly', async () => {
    // 29 hours of events from 21:00: all of them quiet (weeks old).
    expect(await store.counts.catchUp(new Date())).toBe(29);
    await refresh();
    expect(await store.counts.catchUp(new Date())).toBe(0);
    expect(await readCells()).toBe(true);
    await expectExact();
  });

  it('adds nothing when a batch is resent', async () => {
    const again = events(4000, 19, START, SPAN, 'a');
    expect(await store.write(again)).toMatchObject({ accepted: 0, duplicates: 4000 });
    await refresh();
    expect(await store.counts.catchUp(new Date())).toBe(0);
    expect(await readCells()).toBe(true);
    await expectExact();
  });

  it('reads hours written but not yet counted from their events, late events in an old day too', async () => {
    // As if the collector stopped right after storing them: stored, never counted.
    const late = events(300, 23, START + 2 * HOUR, 3 * HOUR, 'late');
    expect(await store.write(late)).toMatchObject({ accepted: 300 });
    remember(late);
    await refresh();
    await expectExact();
    // The next round counts exactly the three hours that changed.
    expect(await store.counts.catchUp(new Date())).toBe(3);
    await refresh();
    expect(await readCells()).toBe(true);
    await expectExact();
  });

  it('reads an hour from its events when one of its cells belongs to another count', async () => {
    // A count of the hour being rewritten: one cell already carries the new number while the seal still has the old.
    const hour = Date.parse('2026-10-06T05:00:00.000Z');
    const counts = `${prefix}-counts-2026.10.06`;
    const cells = await target.admin.search<{ of: number; count: number }>({
      index: counts,
      size: 1,
      query: { bool: { filter: [{ term: { kind: 'cell' } }, { term: { unit: 60 } }, { term: { t: hour } }] } },
    });
    const cell = cells.hits.hits[0]!;
    await target.admin.index({
      index: counts,
      id: cell._id!,
      document: { ...cell._source!, count: cell._source!.count + 1000, of: cell._source!.of + 1 },
      version: cell._source!.of + 1,
      version_type: 'external_gte',
    });
    await refresh();
    await expectExact();
  });

  it('deletes a day’s counts with its events when retention expires the day', async () => {
    const outcome = await store.applyRetention(
      { retentionDays: 60, deadLetterRetentionDays: 60 },
      new Date('2026-12-05T12:00:00Z'),
    );
    expect(outcome.deleted).toEqual([`${prefix}-2026.10.05`]);
    const left = (await target.admin.cat.indices({ index: `${prefix}-*`, format: 'json', h: 'index' })) as {
      index: string;
    }[];
    expect(left.map((r) => r.index).sort()).toEqual(
      ['2026.10.06', '2026.10.07', 'counts-2026.10.06', 'counts-2026.10.07'].map((day) => `${prefix}-${day}`),
    );
  });
});
