import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { StoredEvent } from '../../../../collector/store/ecs-document.js';
import { EmbeddedStore } from '../../../../collector/store/embedded/embedded-store.js';

let dir: string;
const stores: EmbeddedStore[] = [];
const AT = Date.parse('2026-11-20T10:00:00.000Z');

function event(id: string, timestamp: string): StoredEvent {
  return {
    id,
    doc: { '@timestamp': timestamp, message: `event ${id}`, event: { id, ingested: timestamp, dataset: 'plain' } },
  };
}

/** Ids of the events within `spanMs` of AT, oldest first. */
async function idsAround(store: EmbeddedStore, spanMs: number): Promise<{ ids: string[]; total: unknown }> {
  const window = { from: new Date(AT - spanMs), to: new Date(AT + spanMs) };
  const page = await store.search({ query: { kind: 'all' }, ...window, limit: 10, order: 'asc' });
  return { ids: page.hits.map((h) => h.id), total: page.total };
}

async function openStore(): Promise<EmbeddedStore> {
  const store = new EmbeddedStore({ dir, searchTimeoutMs: 5000, exactTotalUpTo: 1_000_000 }, pino({ level: 'silent' }));
  await store.init();
  stores.push(store);
  return store;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'logship-row-keys-'));
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('the embedded store row key', () => {
  it('counts only a stored id as a duplicate, never a row key another writer took', async () => {
    // Two writers on one file, each sure that nothing is stored at this millisecond yet: both pick key n = 0.
    const first = await openStore();
    const second = await openStore();
    const at = new Date(AT).toISOString();
    expect(await first.write([event('a', at)])).toEqual({ accepted: 1, duplicates: 0, failures: [] });
    expect(await second.write([event('b', at), event('c', at)])).toEqual({
      accepted: 2,
      duplicates: 0,
      failures: [],
    });
    expect(await second.write([event('a', at)])).toEqual({
      accepted: 0,
      duplicates: 1,
      duplicateIndexes: [0],
      failures: [],
    });
    expect(await idsAround(first, 1)).toEqual({ ids: ['a', 'b', 'c'], total: { value: 3, relation: 'eq' } });
  });

  it('refuses times outside the accepted range instead of wrapping the key onto real events', async () => {
    const store = await openStore();
    const now = new Date(AT).toISOString();
    expect(await store.write([event('real', now)])).toEqual({ accepted: 1, duplicates: 0, failures: [] });
    // AT + 2^44 ms shifted by 20 bits wraps 64 bits; years 9999 and +100000 would too.
    const far = [new Date(AT + 2 ** 44).toISOString(), '9999-12-31T00:00:00.000Z', '+100000-01-01T00:00:00.000Z'];
    const outcome = await store.write(far.map((t, i) => event(`far-${i}`, t)));
    expect(outcome.accepted).toBe(0);
    expect(outcome.duplicates).toBe(0);
    expect(outcome.failures.map((f) => [f.index, f.code])).toEqual([
      [0, 'STORE_REJECTED'],
      [1, 'STORE_REJECTED'],
      [2, 'STORE_REJECTED'],
    ]);
    expect(outcome.failures[0]!.reason).toBe(
      `"@timestamp" ${far[0]} is outside the accepted times, 1970-01-01T00:00:00.000Z to 2199-12-31T23:59:59.999Z.`,
    );
    expect(await idsAround(store, 3_600_000)).toEqual({ ids: ['real'], total: { value: 1, relation: 'eq' } });
  });
});
