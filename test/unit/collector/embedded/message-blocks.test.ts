import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseQuery } from '../../../../collector/query/parse-query.js';
import { BLOCK_EVENTS, BlockCache } from '../../../../collector/store/embedded/message-blocks.js';
import { embeddedStoreWith, storedEvent, type TestStore } from '../../../support/embedded-test-store.js';

/**
 * Messages kept compressed in blocks (message-blocks.ts): every read gives each message back exactly, retention
 * deletes a block with the last of its events, and a block number is never given to a second block, which a
 * reader that decoded the first would answer with.
 */
const DAY = 86_400_000;
const START = Date.parse('2026-11-20T00:00:00.000Z');
const WINDOW = { from: new Date(START - DAY), to: new Date(START + 10 * DAY) };
let opened: TestStore | undefined;

afterEach(() => opened?.remove());

/** Texts a block must keep exactly: quotes, backslashes, line breaks, tabs, emoji, right-to-left text. */
const ODD = ['say "hi" \\ bye', 'two\nlines\r\n', '\ttabbed', 'emoji 🧯 here', 'עברית and text', ''];

function events(prefix: string, count: number, firstMs: number, stepMs: number) {
  return Array.from({ length: count }, (_, i) =>
    storedEvent({
      id: `${prefix}-${i}`,
      ms: firstMs + i * stepMs,
      host: 'web-1',
      message: `${prefix} line ${i} ${ODD[i % ODD.length]}`,
    }),
  );
}

function blocks(dir: string): { block: number; last: number; n: number }[] {
  const db = new Database(join(dir, 'events.db'), { readonly: true });
  try {
    new BlockCache().register(db);
    // Each block with the number of rows that refer to it.
    return db
      .prepare(
        `SELECT b.block, b.last, (SELECT count(*) FROM events WHERE typeof(message) = 'integer'
           AND message >> 7 = b.block) AS n FROM message_blocks b ORDER BY b.block`,
      )
      .all() as { block: number; last: number; n: number }[];
  } finally {
    db.close();
  }
}

async function messages(): Promise<string[]> {
  const page = await opened!.store.search({ query: parseQuery(''), ...WINDOW, limit: 1000, order: 'asc' });
  expect(page.hits).toHaveLength(page.total.value);
  return page.hits.map((h) => h.message);
}

describe('messages in blocks', () => {
  it(`keeps a write's messages ${BLOCK_EVENTS} to a block and gives each back exactly to every read`, async () => {
    const written = events('a', 200, START, 1000);
    opened = await embeddedStoreWith('message-blocks', written, 200);
    expect(blocks(opened.dir).map((b) => b.n)).toEqual([64, 64, 64, 8]);
    expect(await messages()).toEqual(written.map((e) => e.doc.message));
    expect((await opened.store.event('a-199'))!.doc.message).toBe(written[199]!.doc.message);
    const exported = await opened.store.exportEvents({ ...WINDOW, after: null, limit: 1000 });
    expect(exported.events.map((e) => e.doc.message)).toEqual(written.map((e) => e.doc.message));
    // Words, phrases and regexes read the same texts.
    const count = async (query: string) =>
      (await opened!.store.search({ query: parseQuery(query), ...WINDOW, limit: 1000, order: 'asc' })).total.value;
    const having = (text: string) => written.filter((e) => e.doc.message.includes(text)).length;
    expect([having('emoji'), having('two\nlines')]).toEqual([33, 34]);
    expect(await count('emoji')).toBe(33);
    expect(await count('"two lines"')).toBe(34);
    expect(await count('message:/19[0-9]/')).toBe(10);
  });

  it('deletes a block with the last of its events, and never numbers a later block the same', async () => {
    // Three writes: one on day 0, one across days 0 and 1, one on day 2.
    opened = await embeddedStoreWith('message-blocks', [], 1);
    const { store } = opened;
    await store.write(events('a', 10, START, 60_000));
    await store.write(events('b', 10, START + DAY - 5 * 60_000, 60_000));
    await store.write(events('c', 10, START + 2 * DAY, 60_000));
    expect(blocks(opened.dir).map((b) => [b.block, b.n])).toEqual([
      [1, 10],
      [2, 10],
      [3, 10],
    ]);
    // Read, so the reading threads hold the blocks decoded.
    expect(await messages()).toHaveLength(30);

    await store.applyRetention({ retentionDays: 0, deadLetterRetentionDays: 30 }, new Date(START + DAY));
    // Block 1 is gone with its day; block 2 keeps the five events of day 1, and the rows of day 0 are gone.
    expect(blocks(opened.dir).map((b) => [b.block, b.n])).toEqual([
      [2, 5],
      [3, 10],
    ]);
    expect(await messages()).toEqual(
      [...events('b', 10, START + DAY - 5 * 60_000, 60_000).slice(5), ...events('c', 10, START + 2 * DAY, 60_000)].map(
        (e) => e.doc.message,
      ),
    );

    // Everything expires, the newest block too; the next write's block gets a new number, so no reader answers
    // with the texts it decoded under the old one.
    await store.applyRetention({ retentionDays: 0, deadLetterRetentionDays: 30 }, new Date(START + 3 * DAY));
    expect(blocks(opened.dir)).toEqual([]);
    const later = events('d', 10, START + 3 * DAY, 60_000);
    await store.write(later);
    expect(blocks(opened.dir).map((b) => [b.block, b.n])).toEqual([[4, 10]]);
    expect(await messages()).toEqual(later.map((e) => e.doc.message));
  });
});
