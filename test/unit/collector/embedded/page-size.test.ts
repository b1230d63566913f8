import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import type { StoredEvent } from '../../../../collector/store/ecs-document.js';
import { migrate } from '../../../../collector/store/embedded/embedded-schema.js';
import { EmbeddedStore } from '../../../../collector/store/embedded/embedded-store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'logship-page-size-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function event(i: number): StoredEvent {
  const ts = new Date(Date.parse('2026-11-20T10:00:00.000Z') + i).toISOString();
  return {
    id: `p-${i}`,
    doc: { '@timestamp': ts, message: `event ${i}`, event: { id: `p-${i}`, ingested: ts, dataset: 'plain' } },
  };
}

/** Writes 3 events through a real store on `dir`, closes it, and answers the file's page size and WAL setting. */
async function writeThree(): Promise<{ pageSize: number; events: number }> {
  const store = new EmbeddedStore({ dir, searchTimeoutMs: 5000, exactTotalUpTo: 1000 }, pino({ level: 'silent' }));
  await store.init();
  expect(await store.write([event(1), event(2), event(3)])).toMatchObject({ accepted: 3, duplicates: 0 });
  await store.close();
  const db = new Database(join(dir, 'events.db'), { readonly: true });
  try {
    return {
      pageSize: db.pragma('page_size', { simple: true }) as number,
      events: db.prepare('SELECT count(*) FROM events').pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

describe('store file page size', () => {
  it('creates a new file with 16 KiB pages', async () => {
    expect(await writeThree()).toEqual({ pageSize: 16384, events: 3 });
  });

  it('keeps the 4 KiB pages of a file created before, and writes to it', async () => {
    const old = new Database(join(dir, 'events.db'));
    old.pragma('page_size = 4096');
    old.pragma('journal_mode = WAL');
    migrate(old);
    old.close();
    expect(await writeThree()).toEqual({ pageSize: 4096, events: 3 });
  });
});
