import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseQuery } from '../../../../collector/query/parse-query.js';
import type { StoredEvent } from '../../../../collector/store/ecs-document.js';
import { compileSql } from '../../../../collector/store/embedded/compile-sql.js';
import type { EmbeddedStore } from '../../../../collector/store/embedded/embedded-store.js';
import { embeddedStoreWith } from '../../../support/embedded-test-store.js';
import { prefixWords } from '../../../../collector/store/embedded/prefix-words.js';

/**
 * Prefix searches with few indexed words are searched as those words ORed (FTS5 merges every posting of a prefix
 * before its first row): the same events, in the same pages, with the same totals.
 */
const START = Date.parse('2026-11-21T00:00:00.000Z');
const EVENTS = 3_000;
/** 'id' in every message; 'idle' and 'idx' in some; 20 words starting with 'w' (more than a prefix is turned into). */
function message(i: number): string {
  const extra = i % 7 === 0 ? ' idle' : i % 11 === 0 ? ' IDX' : '';
  return `request id=${i} w${i % 20}x${extra}`;
}

function stored(i: number): StoredEvent {
  const ts = new Date(START + i * 1_000).toISOString();
  return {
    id: `p-${i}`,
    doc: {
      '@timestamp': ts,
      message: message(i),
      host: { name: 'h-1' },
      log: { file: { path: '/var/log/app.log' }, offset: i },
      event: { id: `p-${i}`, ingested: ts, dataset: 'plain' },
    },
  };
}

let dir: string;
let store: EmbeddedStore;
let remove: () => Promise<void>;

beforeAll(async () => {
  const events = Array.from({ length: EVENTS }, (_, i) => stored(i));
  ({ store, dir, remove } = await embeddedStoreWith('prefix-words', events, EVENTS));
});
afterAll(() => remove());

describe('prefix searches on the embedded store', () => {
  it('lists the indexed words of a prefix in order, and none past the most it turns into', () => {
    const db = new Database(join(dir, 'events.db'), { readonly: true });
    const words = prefixWords(db);
    expect(words('id')).toEqual(['id', 'idle', 'idx']);
    expect(words('idl')).toEqual(['idle']);
    expect(words('nosuch')).toEqual([]);
    expect(words('w1')).toEqual(['w1x', ...Array.from({ length: 10 }, (_, k) => `w1${k}x`)].sort());
    // w0x … w19x: 20 words.
    expect(words('w')).toBeNull();
    expect(compileSql(parseQuery('id* AND NOT idl*'), 0, words).fts).toBe('(("id" OR "idle" OR "idx")) NOT (("idle"))');
    expect(compileSql(parseQuery('w*'), 0, words).fts).toBe('("w"*)');
    db.close();
  });

  it.each([
    ['id*', () => true],
    ['idl*', (i: number) => i % 7 === 0],
    ['id* AND NOT idx*', (i: number) => !(i % 7 !== 0 && i % 11 === 0)],
    ['w1*', (i: number) => i % 20 >= 10 || i % 20 === 1],
    ['w*', () => true],
    ['ID*', () => true],
  ])('%s finds the events a prefix matches, page after page, with the exact total', async (query, match) => {
    const want = Array.from({ length: EVENTS }, (_, i) => i)
      .filter((i) => match(i))
      .reverse()
      .map((i) => `p-${i}`);
    const seen: string[] = [];
    let after;
    for (let page = 0; page < 100; page++) {
      const res = await store.search({
        query: parseQuery(query),
        from: new Date(START - 1_000),
        to: new Date(START + EVENTS * 1_000),
        limit: 500,
        order: 'desc',
        ...(after ? { after } : {}),
      });
      expect(res.total).toEqual({ value: want.length, relation: 'eq' });
      seen.push(...res.hits.map((h) => h.id));
      if (!res.lastKey) break;
      after = res.lastKey;
    }
    expect(seen).toEqual(want);
  });
});
