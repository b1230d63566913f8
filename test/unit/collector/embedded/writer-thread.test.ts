import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import pino from 'pino';
import { parseQuery } from '../../../../collector/query/parse-query.js';
import type { StoredEvent } from '../../../../collector/store/ecs-document.js';
import { EmbeddedStore } from '../../../../collector/store/embedded/embedded-store.js';
import { BlockCache } from '../../../../collector/store/embedded/message-blocks.js';

const BASE = Date.parse('2026-11-20T10:00:00.000Z');
let dir: string;

function event(id: string, ms: number, message: string): StoredEvent {
  const ts = new Date(ms).toISOString();
  return {
    id,
    doc: {
      '@timestamp': ts,
      message,
      host: { name: 'web-1' },
      log: { file: { path: '/var/log/app.log' }, offset: 0 },
      event: { id, ingested: ts, dataset: 'plain' },
    },
  };
}

function openStore(): EmbeddedStore {
  return new EmbeddedStore({ dir, searchTimeoutMs: 5000, exactTotalUpTo: 1_000_000 }, pino({ level: 'silent' }));
}

async function total(store: EmbeddedStore, q: string): Promise<number> {
  const page = await store.search({
    query: parseQuery(q),
    from: new Date(BASE - 60_000),
    to: new Date(BASE + 60_000),
    limit: 1,
    order: 'desc',
  });
  return page.total.value;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'logship-writer-thread-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the embedded store writer thread', () => {
  it('answers every write sent before close, and a reopened store holds all of them', async () => {
    const store = openStore();
    await store.init();
    const writes = Array.from({ length: 12 }, (_, r) =>
      store.write(Array.from({ length: 500 }, (_, i) => event(`c-${r}-${i}`, BASE + r * 500 + i, `closing ${r}`))),
    );
    await store.close();
    const outcomes = await Promise.all(writes);
    expect(outcomes.reduce((sum, o) => sum + o.accepted, 0)).toBe(6000);
    await expect(store.write([event('late', BASE, 'late')])).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const again = openStore();
    await again.init();
    expect(await total(again, 'closing')).toBe(6000);
    await again.close();
  });

  it('counts an id sent in two concurrent requests once, whichever commits first', async () => {
    const store = openStore();
    await store.init();
    const first = Array.from({ length: 100 }, (_, i) => event(`d-${i}`, BASE + i, 'twice'));
    const second = Array.from({ length: 100 }, (_, i) => event(`d-${i + 50}`, BASE + i + 50, 'twice'));
    const [a, b] = await Promise.all([store.write(first), store.write(second)]);
    expect(a.accepted + b.accepted).toBe(150);
    expect(a.duplicates + b.duplicates).toBe(50);
    expect(await total(store, 'twice')).toBe(150);
    await store.close();
  });

  it('gives new events of a millisecond already stored their own keys after a restart', async () => {
    const store = openStore();
    await store.init();
    await store.write(['a', 'b', 'c'].map((id) => event(id, BASE, 'same ms')));
    await store.close();
    const again = openStore();
    await again.init();
    // Key n = 0..2 of BASE are taken on disk: reusing one would be silently ignored as if it were a duplicate.
    const outcome = await again.write(['d', 'e', 'f', 'a'].map((id) => event(id, BASE, 'same ms')));
    expect(outcome).toMatchObject({ accepted: 3, duplicates: 1 });
    expect(await total(again, 'same')).toBe(6);
    await again.close();
  });

  it('indexes every message as stored, whatever characters it holds, and deletes it cleanly', async () => {
    const store = openStore();
    await store.init();
    const messages = [
      'naïve café ☕ 𝄞 zürich',
      'tab\there "quoted" back\\slash \u0001 bell and \u2028 separator',
      'line one\nline two\r\nthree',
      'nul \u0000 inside zwölf',
      'lone \ud800 surrogate elf',
      '[]{},:"\\/ json punctuation',
    ];
    const day = 86_400_000;
    await store.write(messages.map((m, i) => event(`m-${i}`, BASE - 3 * day + i, m)));
    await store.write(messages.map((m, i) => event(`n-${i}`, BASE + i, m)));
    for (const word of ['naïve', 'zürich', 'quoted', 'separator', 'three', 'zwölf', 'elf', 'punctuation']) {
      const page = await store.search({
        query: parseQuery(word),
        from: new Date(BASE - 4 * day),
        to: new Date(BASE + 1000),
        limit: 10,
        order: 'desc',
      });
      expect([word, page.total.value]).toEqual([word, 2]);
    }
    await store.applyRetention({ retentionDays: 1, deadLetterRetentionDays: 30 }, new Date(BASE));
    await store.close();
    // FTS5 checks its index against the messages (`events_text`): any message indexed differently from how it is stored
    // (and deleted) fails here.
    const db = new Database(join(dir, 'events.db'));
    try {
      new BlockCache().register(db);
      expect(() => db.exec(`INSERT INTO events_fts(events_fts, rank) VALUES ('integrity-check', 1)`)).not.toThrow();
      expect(db.prepare(`SELECT count(*) FROM events_fts WHERE events_fts MATCH 'elf'`).pluck().get()).toBe(1);
    } finally {
      db.close();
    }
  });

  it('answers 503 STORE_IO_ERROR when the writer thread dies, and writes again with a new one', async () => {
    const store = openStore();
    await store.init();
    await store.write([event('before', BASE, 'before')]);
    const thread = (store as unknown as { writer: { worker: Worker } }).writer.worker;
    await thread.terminate();
    await expect(store.write([event('during', BASE + 1, 'during')])).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      details: { store_error: 'STORE_IO_ERROR' },
    });
    expect(await store.ready()).toBe(true);
    expect(await store.write([event('after', BASE + 2, 'after')])).toMatchObject({ accepted: 1 });
    expect(await total(store, 'before OR during OR after')).toBe(2);
    await store.close();
  });
});
