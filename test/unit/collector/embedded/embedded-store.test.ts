import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseQuery } from '../../../../collector/query/parse-query.js';
import type { StoredEvent } from '../../../../collector/store/ecs-document.js';
import { EmbeddedStore } from '../../../../collector/store/embedded/embedded-store.js';

let dir: string;
let store: EmbeddedStore;
const BASE = Date.parse('2026-11-20T10:00:00.000Z');

function event(i: number, ms: number, host: string, message: string): StoredEvent {
  const ts = new Date(ms).toISOString();
  return {
    id: `u-${i}`,
    doc: {
      '@timestamp': ts,
      message,
      host: { name: host },
      log: { file: { path: '/var/log/app.log' }, offset: i },
      event: { id: `u-${i}`, ingested: ts, dataset: 'plain' },
    },
  };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'logship-embedded-unit-'));
  store = new EmbeddedStore({ dir, searchTimeoutMs: 5000, exactTotalUpTo: 1_000_000 }, pino({ level: 'silent' }));
  await store.init();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('EmbeddedStore', () => {
  it('keeps the exact tie order when a page ends inside a millisecond shared by many events', async () => {
    // 300 events in one millisecond, written in reverse host order: rowid order alone would be wrong.
    const events = Array.from({ length: 300 }, (_, i) =>
      event(i, BASE, `h-${String(299 - i).padStart(3, '0')}`, 'tie'),
    );
    expect(await store.write(events)).toMatchObject({ accepted: 300, duplicates: 0 });
    const window = { from: new Date(BASE - 1000), to: new Date(BASE + 1000) };
    const seen: string[] = [];
    let after;
    for (let page = 0; page < 10; page++) {
      const res = await store.search({
        query: parseQuery('tie'),
        ...window,
        limit: 64,
        order: 'asc',
        ...(after ? { after } : {}),
      });
      seen.push(...res.hits.map((h) => h.host!));
      if (!res.lastKey) break;
      after = res.lastKey;
    }
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => `h-${String(i).padStart(3, '0')}`));
  });

  it('reports totals above 10,000 scanned matches as a lower bound, and exact ones from the counts', async () => {
    const events = Array.from({ length: 10_050 }, (_, i) => event(i, BASE + i * 7, `web-${i % 3}`, `line ${i} ok`));
    await store.write(events);
    const window = { from: new Date(BASE), to: new Date(BASE + 10_050 * 7) };
    const word = await store.search({ query: parseQuery('ok'), ...window, limit: 10, order: 'desc' });
    expect(word.total).toEqual({ value: 10_000, relation: 'gte' });
    const host = await store.search({ query: parseQuery('host:web-1'), ...window, limit: 10, order: 'desc' });
    expect(host.total).toEqual({ value: 3350, relation: 'eq' });
  });

  it('counts matches checked on their message exactly up to 1,000, every other total as before', async () => {
    // 1,400 events hold the phrase's words, 700 of them in its order; 1,200 more hold it with another host.
    const events = [
      ...Array.from({ length: 1400 }, (_, i) =>
        event(i, BASE + i * 7, 'db-1', i % 2 === 0 ? `connection reset by peer ${i}` : `peer ${i} reset by connection`),
      ),
      ...Array.from({ length: 1200 }, (_, i) => event(1400 + i, BASE + i * 7 + 3, 'web-1', `connection reset by peer`)),
    ];
    expect(await store.write(events)).toMatchObject({ accepted: 2600, duplicates: 0 });
    const window = { from: new Date(BASE), to: new Date(BASE + 1400 * 7) };
    const search = (q: string, exactTotal?: boolean) =>
      store.search({
        query: parseQuery(q),
        ...window,
        limit: 10,
        order: 'desc',
        ...(exactTotal ? { exactTotal } : {}),
      });
    // 1,400 candidates hold the words, 700 are in order: exact, though more than 1,000 events were checked.
    expect((await search('"connection reset by peer" AND host:db-1')).total).toEqual({ value: 700, relation: 'eq' });
    expect((await search('"connection reset by peer"')).total).toEqual({ value: 1000, relation: 'gte' });
    expect((await search('message:/conn.*/ AND reset')).total).toEqual({ value: 1000, relation: 'gte' });
    // A prefix with few words is searched as those words (prefix-words.ts), not checked on the message.
    expect((await search('conn* AND reset')).total).toEqual({ value: 2600, relation: 'eq' });
    expect((await search('"connection reset by peer"', true)).total).toEqual({ value: 1900, relation: 'eq' });
    // Words alone are not checked on the message: exact up to 10,000.
    expect((await search('connection AND reset')).total).toEqual({ value: 2600, relation: 'eq' });
  });

  it('stops a regex scan at the search timeout with QUERY_TIMEOUT', async () => {
    const slow = new EmbeddedStore({ dir, searchTimeoutMs: 0, exactTotalUpTo: 1000 }, pino({ level: 'silent' }));
    await store.write(Array.from({ length: 3000 }, (_, i) => event(i, BASE + i, 'web-1', `entry ${i} aaaa`)));
    await slow.init();
    await expect(
      slow.search({
        query: parseQuery('message:/a.*b.*c.*d/'),
        from: new Date(BASE),
        to: new Date(BASE + 5000),
        limit: 10,
        order: 'desc',
      }),
    ).rejects.toMatchObject({ code: 'QUERY_TIMEOUT', status: 504 });
    await slow.close();
  });

  it('deletes whole days past the retention and names them', async () => {
    const day = 86_400_000;
    await store.write([
      event(1, BASE - 3 * day, 'web-1', 'old'),
      event(2, BASE - day, 'web-1', 'recent'),
      event(3, BASE, 'web-1', 'now'),
    ]);
    await store.writeDeadLetters([
      { receivedAt: new Date(BASE - 40 * day).toISOString(), code: 'INGEST_INVALID_JSON', reason: 'x', original: 'x' },
    ]);
    const outcome = await store.applyRetention({ retentionDays: 2, deadLetterRetentionDays: 30 }, new Date(BASE));
    expect(outcome.deleted).toEqual(['logship-2026.11.17', 'logship-deadletter-2026.10.11']);
    const left = await store.search({
      query: { kind: 'all' },
      from: new Date(BASE - 5 * day),
      to: new Date(BASE),
      limit: 10,
      order: 'asc',
    });
    expect(left.hits.map((h) => h.message)).toEqual(['recent', 'now']);
    expect(left.total).toEqual({ value: 2, relation: 'eq' });
  });
});
