import { join } from 'node:path';
import Database from 'better-sqlite3';
import { IngestService } from '../../../../collector/ingest/ingest-service.js';
import { parseQuery } from '../../../../collector/query/parse-query.js';
import type { EmbeddedStore } from '../../../../collector/store/embedded/embedded-store.js';
import { BlockCache, messageElidedSql, messageTextSql } from '../../../../collector/store/embedded/message-blocks.js';
import { embeddedStoreWith, type TestStore } from '../../../support/embedded-test-store.js';

/**
 * Messages that begin with their own event time (toISOString()'s form) are kept without it (stored-document.ts):
 * every read gives the message back exactly, and the time is not among the message's words.
 */
const DAY = 86_400_000;
const START = Date.parse('2026-11-20T10:00:00.000Z');
const WINDOW = { from: new Date(START - DAY), to: new Date(START + 5 * DAY) };
let opened: TestStore;
let store: EmbeddedStore;

beforeEach(async () => {
  opened = await embeddedStoreWith('elided-time', [], 1);
  store = opened.store;
});
afterEach(() => opened.remove());

/** Plain lines through the ingest path, as a shipper sends them: the parser takes each line's leading time. */
async function ship(messages: readonly string[], prefix: string): Promise<void> {
  const body = messages.map((message, i) =>
    JSON.stringify({
      id: `${prefix}-${i}`,
      host: 'web-1',
      source: '/var/log/app.log',
      offset: i,
      format: 'plain',
      message,
    }),
  );
  const ingest = new IngestService(store, { maxMessageBytes: 1024 * 1024 });
  const result = await ingest.ingest(Buffer.from(body.join('\n') + '\n'), 'test');
  expect(result.errors.slice(0, 3)).toEqual([]);
  expect(result).toMatchObject({ accepted: messages.length, duplicates: 0, rejected: 0 });
}

async function total(query: string): Promise<number> {
  const page = await store.search({ query: parseQuery(query), ...WINDOW, limit: 1000, order: 'desc' });
  expect(page.hits).toHaveLength(page.total.value);
  return page.total.value;
}

function rawRows(sql: string): unknown[] {
  const db = new Database(join(opened.dir, 'events.db'), { readonly: true });
  try {
    new BlockCache().register(db);
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

/** 300 lines over four days, each beginning with its time; every 10th ends "disk full on /var". */
const LINES = Array.from({ length: 300 }, (_, i) => {
  const time = new Date(START + i * 900_001).toISOString();
  return i % 10 === 0 ? `${time} ERROR disk full on /var (${i})` : `${time} INFO request ${i} served`;
});
/**
 * Lines whose leading text is not kept without it: another form, another zone, a NUL, a word right after the time;
 * and the time alone, which is.
 */
const OTHERS = [
  '2026-11-20 10:00:00.123 WARN local time without a zone',
  '2026-11-20T11:00:00.000+01:00 WARN the same instant in another zone',
  `${new Date(START).toISOString()}\u0000 NUL after the time`,
  new Date(START + 5).toISOString(),
  `${new Date(START + 7).toISOString()}glued to the time`,
];

describe('a message that begins with its own time', () => {
  it('is kept without it, read back exactly everywhere, and its time is not a word', async () => {
    await ship(LINES, 'a');
    await ship(OTHERS, 'b');
    // In blocks: 300 + the line that is its time alone (an empty rest) without their time, three others as
    // written; the line with a NUL stays text, as written.
    expect(
      rawRows(
        `SELECT typeof(message) AS type, ${messageElidedSql('message')} AS elided, count(*) AS n FROM events
         GROUP BY type, elided ORDER BY type, elided`,
      ),
    ).toEqual([
      { type: 'integer', elided: 0, n: 3 },
      { type: 'integer', elided: 1, n: 301 },
      { type: 'text', elided: 0, n: 1 },
    ]);
    expect(rawRows(`SELECT ${messageTextSql('message')} AS m FROM events WHERE id = 'a-10'`)).toEqual([
      { m: ' ERROR disk full on /var (10)' },
    ]);
    expect(rawRows(`SELECT length(${messageTextSql('message')}) AS n FROM events WHERE id = 'b-3'`)).toEqual([
      { n: 0 },
    ]);

    // Hits, single events, export, context and tail: each message exactly as shipped.
    const all = await store.search({ query: parseQuery(''), ...WINDOW, limit: 1000, order: 'asc' });
    expect(all.total.value).toBe(305);
    const byId = new Map(all.hits.map((h) => [h.id, h.message]));
    LINES.forEach((line, i) => expect(byId.get(`a-${i}`)).toBe(line));
    OTHERS.forEach((line, i) => expect(byId.get(`b-${i}`)).toBe(line));
    expect((await store.event('a-299'))!.doc.message).toBe(LINES[299]);
    const exported = await store.exportEvents({ ...WINDOW, after: null, limit: 1000 });
    expect(exported.events.filter((e) => e.doc.message === LINES[Number(e.id.slice(2))]).length).toBe(300);
    const context = await store.context({ id: 'a-150', before: 2, after: 2, hosts: [] });
    expect([...context!.before, context!.anchor, ...context!.after].map((h) => h.message)).toEqual(
      LINES.slice(148, 153),
    );
    const tail = await store.tail({ query: parseQuery('disk'), sinceMs: 0, limit: 1000 });
    expect(tail.map((t) => t.hit.message).sort()).toEqual(LINES.filter((_, i) => i % 10 === 0).sort());

    // The words after the time are found by every path: FTS5, a phrase, a prefix, a wildcard and a regex scan.
    expect(await total('disk')).toBe(30);
    expect(await total('"ERROR disk full"')).toBe(30);
    expect(await total('"disk full" AND NOT "on /var (10)"')).toBe(29);
    expect(await total('ful*')).toBe(30);
    expect(await total('*isk')).toBe(30);
    expect(await total('message:/di.k/')).toBe(30);
    expect(await total('served')).toBe(270);
    // The left-out time is not: only the lines that keep their leading text as written have these words.
    expect(await total('2026')).toBe(4);
    expect(await total('"20T10"')).toBe(2);
    expect(await total('/2026/')).toBe(4);
    expect(await total('2026*')).toBe(4);
    expect(await total('*026')).toBe(4);
    expect(await total('NOT 2026')).toBe(301);
    // The word glued to the time is the time's last word, as in the whole message; "glued" alone is not a word.
    expect(await total('"007zglued"')).toBe(1);
    expect(await total('glued')).toBe(0);
  });

  it('leaves the full-text index whole when its events expire', async () => {
    await ship(LINES, 'a');
    const midnight = Math.floor(START / DAY) * DAY + DAY;
    const outcome = await store.applyRetention({ retentionDays: 0, deadLetterRetentionDays: 30 }, new Date(midnight));
    // Lines 0..55 fall on the first day (START + i * 900,001 ms before midnight).
    const left = LINES.filter((_, i) => START + i * 900_001 >= midnight);
    expect(outcome.deleted).toHaveLength(1);
    expect(left).toHaveLength(244);
    expect(await total('')).toBe(244);
    expect(await total('disk')).toBe(left.filter((l) => l.includes('disk')).length);
    expect(await total('served')).toBe(left.filter((l) => l.includes('served')).length);
    const db = new Database(join(opened.dir, 'events.db'));
    try {
      new BlockCache().register(db);
      // FTS5 compares its index with the words of every row the content table holds: an error if any differ.
      db.exec(`INSERT INTO events_fts(events_fts, rank) VALUES ('integrity-check', 1)`);
      expect(db.prepare(`SELECT count(*) FROM events_fts WHERE events_fts MATCH 'request'`).pluck().get()).toBe(
        left.filter((l) => l.includes('request')).length,
      );
    } finally {
      db.close();
    }
  });
});
