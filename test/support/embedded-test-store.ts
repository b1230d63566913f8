import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseQuery } from '../../collector/query/parse-query.js';
import type { StoredEvent } from '../../collector/store/ecs-document.js';
import { EmbeddedStore } from '../../collector/store/embedded/embedded-store.js';
import type { Level } from '../../protocol/event.js';

/** What a test event varies; the rest of its stored document is the same for every test. */
export interface TestEvent {
  id: string;
  ms: number;
  message: string;
  /** No host field when null or absent. */
  host?: string | null;
  service?: string;
  level?: Level;
  /** log.file.path; none when absent. */
  source?: string;
  offset?: number;
}

/** A test event as the store keeps it: a plain line, ingested at its own time, its id also its event.id. */
export function storedEvent(e: TestEvent): StoredEvent {
  const ts = new Date(e.ms).toISOString();
  return {
    id: e.id,
    doc: {
      '@timestamp': ts,
      message: e.message,
      ...(e.host == null ? {} : { host: { name: e.host } }),
      service: { name: e.service ?? 'app' },
      log: {
        level: e.level ?? 'info',
        ...(e.source === undefined ? {} : { file: { path: e.source } }),
        ...(e.offset === undefined ? {} : { offset: e.offset }),
      },
      event: { id: e.id, ingested: ts, dataset: 'plain' },
    },
  };
}

export interface TestStore {
  store: EmbeddedStore;
  /** The store's folder (its file is `events.db` there). */
  dir: string;
  /** Closes the store and deletes its folder. */
  remove(): Promise<void>;
}

/** An embedded store in a new temporary folder holding `events`, written `batch` at a time, each write all accepted. */
export async function embeddedStoreWith(
  name: string,
  events: readonly StoredEvent[],
  batch: number,
): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), `logship-${name}-`));
  const store = new EmbeddedStore(
    { dir, searchTimeoutMs: 10_000, exactTotalUpTo: 1_000_000 },
    pino({ level: 'silent' }),
  );
  await store.init();
  for (let k = 0; k < events.length; k += batch) {
    const part = events.slice(k, k + batch);
    const outcome = await store.write(part);
    if (outcome.accepted !== part.length || outcome.duplicates !== 0) {
      throw new Error(`${part.length} events written, ${JSON.stringify(outcome)} answered.`);
    }
  }
  return {
    store,
    dir,
    remove: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Every id a search pages through, `limit` at a time over [from, to] (epoch ms), with the total its first page gave
 * (value and relation, e.g. "7 eq").
 */
export async function searchPages(
  store: EmbeddedStore,
  query: string,
  order: 'asc' | 'desc',
  limit: number,
  from: number,
  to: number,
): Promise<{ ids: string[]; total: string }> {
  const ids: string[] = [];
  let total = '';
  let after;
  for (let page = 0; page < 10_000; page++) {
    const res = await store.search({
      query: parseQuery(query),
      from: new Date(from),
      to: new Date(to),
      limit,
      order,
      ...(after ? { after } : {}),
    });
    if (page === 0) total = `${res.total.value} ${res.total.relation}`;
    ids.push(...res.hits.map((h) => h.id));
    if (!res.lastKey) break;
    after = res.lastKey;
  }
  return { ids, total };
}
