import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { StoredEvent } from '../../../../collector/store/ecs-document.js';
import { EmbeddedStore, type ExportPage } from '../../../../collector/store/embedded/embedded-store.js';

let dir: string;
let store: EmbeddedStore;
const BASE = Date.parse('2026-11-20T10:00:00.000Z');

/** A document with every part the search API does not show: format, ingest and read times, original size. */
function event(i: number, ms: number, host: string): StoredEvent {
  const ts = new Date(ms).toISOString();
  return {
    id: `x-${i}`,
    doc: {
      '@timestamp': ts,
      message: `GET /api/orders/${i} 200`,
      host: { name: host },
      service: { name: 'nginx' },
      log: { level: 'info', file: { path: '/var/log/nginx/access.log' }, offset: i * 120, original_bytes: 118 },
      event: {
        id: `x-${i}`,
        ingested: new Date(ms + 2500 + i).toISOString(),
        created: new Date(ms + 40).toISOString(),
        dataset: 'nginx',
      },
      'http.response.status_code': 200,
      ...(i % 4 === 0 && { labels: { env: 'prod' } }),
    },
  };
}

/** Every page of a window, read with `limit` per page. */
async function readAll(from: number, to: number, limit: number): Promise<{ pages: ExportPage[]; ids: string[] }> {
  const pages: ExportPage[] = [];
  let after: bigint | null = null;
  do {
    const page = await store.exportEvents({ from: new Date(from), to: new Date(to), after, limit });
    pages.push(page);
    after = page.next;
  } while (after !== null && pages.length < 1000);
  return { pages, ids: pages.flatMap((p) => p.events.map((e) => e.id)) };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'logship-export-unit-'));
  store = new EmbeddedStore({ dir, searchTimeoutMs: 5000, exactTotalUpTo: 1000 }, pino({ level: 'silent' }));
  await store.init();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('EmbeddedStore.exportEvents', () => {
  it('returns the documents exactly as written, oldest first, across pages', async () => {
    // Written newest first, in two requests: the read order must come from the time, not from the writes.
    const events = Array.from({ length: 50 }, (_, i) => event(i, BASE + (49 - i) * 1000, `web-${i % 3}`));
    const written = structuredClone(events);
    expect(await store.write(events.slice(0, 20))).toMatchObject({ accepted: 20 });
    expect(await store.write(events.slice(20))).toMatchObject({ accepted: 30 });

    const { pages, ids } = await readAll(BASE - 60_000, BASE + 60_000, 7);
    expect(pages.map((p) => p.events.length)).toEqual([7, 7, 7, 7, 7, 7, 7, 1]);
    expect(pages.at(-1)!.next).toBeNull();
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => `x-${49 - i}`));
    const exported = pages.flatMap((p) => p.events);
    expect(exported).toEqual([...written].reverse());
    expect(exported[0]!.doc.event).toEqual({
      id: 'x-49',
      ingested: new Date(BASE + 2549).toISOString(),
      created: new Date(BASE + 40).toISOString(),
      dataset: 'nginx',
    });
    expect(exported[0]!.doc.log?.original_bytes).toBe(118);
  });

  it('keeps write order within a second and resumes inside it from its key', async () => {
    // 300 events of one second, hosts in reverse order: export keeps the write order, not the search order.
    const events = Array.from({ length: 300 }, (_, i) =>
      event(i, BASE + (i % 7), `h-${String(299 - i).padStart(3, '0')}`),
    );
    await store.write(events.slice(0, 150));
    await store.write(events.slice(150));
    const { pages, ids } = await readAll(BASE, BASE + 6, 64);
    expect(pages.map((p) => p.events.length)).toEqual([64, 64, 64, 64, 44]);
    // A new file's key: the second, and the event's number in it (event-key.ts).
    expect(pages[0]!.next!).toBe((BigInt(BASE / 1000) << 20n) | 63n);
    expect(ids).toEqual(events.map((e) => e.id));
  });

  it('reads only the window, both ends included, and everything for the widest window', async () => {
    const times = [BASE - 1, BASE, BASE + 1, BASE + 999, BASE + 1000, BASE + 1001];
    await store.write(times.map((ms, i) => event(i, ms, 'db-1')));
    const { ids } = await readAll(BASE, BASE + 1000, 2);
    expect(ids).toEqual(['x-1', 'x-2', 'x-3', 'x-4']);
    // `logship migrate` without --from/--to asks for the widest dates JavaScript has.
    const all = await readAll(-8_640_000_000_000_000, 8_640_000_000_000_000, 4);
    expect(all.ids).toEqual(['x-0', 'x-1', 'x-2', 'x-3', 'x-4', 'x-5']);
    const empty = await store.exportEvents({
      from: new Date(BASE + 2000),
      to: new Date(BASE + 3000),
      after: null,
      limit: 5,
    });
    expect(empty).toEqual({ events: [], next: null });
  });

  it('answers an empty last page with no cursor when the window ends on a full page', async () => {
    await store.write([0, 1, 2, 3].map((i) => event(i, BASE + i, 'web-1')));
    const { pages, ids } = await readAll(BASE, BASE + 10, 2);
    expect(pages.map((p) => [p.events.length, p.next === null])).toEqual([
      [2, false],
      [2, false],
      [0, true],
    ]);
    expect(ids).toEqual(['x-0', 'x-1', 'x-2', 'x-3']);
  });
});
