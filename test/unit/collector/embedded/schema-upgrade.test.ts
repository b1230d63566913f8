import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import pino from 'pino';
import { IngestService } from '../../../../collector/ingest/ingest-service.js';
import { parseQuery } from '../../../../collector/query/parse-query.js';
import type { EcsDocument } from '../../../../collector/store/ecs-document.js';
import { restoreEmbeddedBackup } from '../../../../collector/store/embedded/embedded-backup.js';
import { SCHEMA_VERSION } from '../../../../collector/store/embedded/embedded-schema.js';
import { EmbeddedStore } from '../../../../collector/store/embedded/embedded-store.js';
import { NAMED_COLUMNS, nameSql } from '../../../../collector/store/embedded/stored-names.js';
import type { TailPosition } from '../../../../collector/store/read-model.js';
import { eventId } from '../../../../shipper/event-id.js';
import { addToRollup } from '../../../support/embedded-rollup.js';

/**
 * Backups written by logship with schema versions 1, 2 and 4–9 (scripts/fixtures/embedded-store-fixture.mjs):
 * the nginx access log, the plain app log and the ECS JSON log of test/fixtures, stored through the ingest path.
 */
const OLDER_VERSIONS = [1, 2, 4, 5, 6, 7, 8, 9] as const;
/** The versions whose rollup had no source (embedded-schema.ts, 3 → 4). */
const WITHOUT_SOURCES = [1, 2] as const;
type OlderVersion = (typeof OLDER_VERSIONS)[number];
const FILES = [
  { path: 'test/fixtures/nginx/access.log', host: 'web-1', service: 'nginx', format: 'nginx', dataset: 'nginx' },
  { path: 'test/fixtures/plain/app.log', host: 'app-1', service: 'app', format: 'plain', dataset: 'plain' },
  { path: 'test/fixtures/json/ecs.log', host: 'api-1', service: 'api', format: 'json', dataset: 'json' },
] as const;
const WINDOW = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2027-12-31T00:00:00Z') };

let dir: string;
const stores: EmbeddedStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'logship-schema-upgrade-'));
});
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function lines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0);
}

/** The backup folder of the fixture of `version` under `root`; answers its name. */
function unpackBackup(root: string, version: OlderVersion): string {
  const fixture = `test/fixtures/embedded-v${version}`;
  const manifest = JSON.parse(readFileSync(join(fixture, 'manifest.json'), 'utf8')) as { name: string };
  const folder = join(root, manifest.name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'manifest.json'), readFileSync(join(fixture, 'manifest.json')));
  writeFileSync(join(folder, 'events.db'), gunzipSync(readFileSync(join(fixture, 'events.db.gz'))));
  return manifest.name;
}

async function open(storeDir: string): Promise<EmbeddedStore> {
  const store = new EmbeddedStore(
    { dir: storeDir, searchTimeoutMs: 10_000, exactTotalUpTo: 100_000 },
    pino({ level: 'silent' }),
  );
  stores.push(store);
  await store.init();
  return store;
}

async function total(store: EmbeddedStore, query: string): Promise<number> {
  const page = await store.search({ query: parseQuery(query), ...WINDOW, limit: 1, order: 'desc' });
  return page.total.value;
}

async function datasets(store: EmbeddedStore): Promise<Record<string, number>> {
  const top = await store.topValues({ query: parseQuery(''), ...WINDOW, field: 'event.dataset', size: 10 });
  return Object.fromEntries(top.values.map((v) => [v.value, v.count]));
}

/**
 * The document without what differs between two writes of one line: its id and ingest time, and the time of a line
 * that has none of its own (the ingest time).
 */
function comparable(doc: EcsDocument): unknown {
  const { id: _id, ingested, ...event } = doc.event;
  const { '@timestamp': timestamp, ...rest } = doc;
  return timestamp === ingested ? { ...rest, event } : { ...rest, '@timestamp': timestamp, event };
}

/** Checks a store holding the older version's rows: counts, and each row as that version wrote it. */
async function expectOlderRows(store: EmbeddedStore, file: string, version: OlderVersion): Promise<void> {
  const prefix = `v${version}-`;
  const expected = { nginx: 34, plain: 33, json: 6 };
  expect(FILES.map((f) => lines(f.path).length)).toEqual([34, 33, 6]);
  expect(await total(store, '')).toBe(73);
  expect(await datasets(store)).toEqual(expected);
  expect(await total(store, 'event.dataset:nginx')).toBe(34);
  expect(await total(store, 'event.dataset:pl*')).toBe(33);
  expect(await total(store, 'NOT event.dataset:json')).toBe(67);
  // Service and level, whose indexes an upgraded file no longer has: totals, and hits found by the guided walk.
  expect(await total(store, 'service.name:nginx')).toBe(34);
  expect(await total(store, 'log.level:error')).toBe(8);
  expect(await countIn(store, prefix, 'service.name:app OR service.name:api')).toBe(39);
  expect(await countIn(store, prefix, 'log.level:warn OR log.level:fatal')).toBe(15);
  expect(await countIn(store, prefix, 'log.file.path:"/var/log/plain/app.log"')).toBe(33);
  expect(await countIn(store, prefix, 'log.file.path:*access.log')).toBe(34);
  const older = new Database(file, { readonly: true });
  const rows = older.prepare(`SELECT id, doc FROM events`).all() as { id: string; doc: string }[];
  // The named columns hold their texts in rows of versions before codes (version 1 had no `dataset` column), and
  // codes from version 3 on; the host its text before version 6.
  for (const column of NAMED_COLUMNS.filter((c) => version > 1 || c !== 'dataset')) {
    const other = version < (column === 'host' ? 6 : 3) ? 'blob' : 'text';
    expect(older.prepare(`SELECT count(*) FROM events WHERE typeof(${column}) = '${other}'`).pluck().get()).toBe(0);
  }
  expect(older.prepare(`SELECT count(*) FROM events WHERE typeof(host) = 'text'`).pluck().get()).toBe(
    version < 6 ? 73 : 0,
  );
  // Every message as TEXT, whole, before version 8 (the fixtures' lines do not start with their time, which version
  // 5 on would leave out); in version 8 a reference to its block.
  expect(older.prepare(`SELECT count(*) FROM events WHERE typeof(message) = 'text'`).pluck().get()).toBe(
    version < 8 ? 73 : 0,
  );
  // Every id as TEXT: before version 9 (and the fixtures' ids have no shipper's shape anyway).
  expect(older.prepare(`SELECT count(*) FROM events WHERE typeof(id) = 'text'`).pluck().get()).toBe(73);
  older.close();
  expect(rows).toHaveLength(73);
  if (version !== 1) return;
  // Each row's document as version 1 kept it: its own @timestamp and dataset win over the key and the column.
  for (const row of rows) {
    const stored = JSON.parse(row.doc) as EcsDocument;
    const doc = (await store.event(row.id))!.doc;
    expect(doc['@timestamp']).toBe(stored['@timestamp']);
    expect(doc.event.dataset).toBe(stored.event.dataset);
  }
}

describe.each(OLDER_VERSIONS)('a store file of schema version %i', (version) => {
  const prefix = `v${version}-`;
  it('opens upgraded to the current version, reads its rows as written, and answers alike for new rows', async () => {
    const storeDir = join(dir, 'store');
    mkdirSync(storeDir);
    const name = unpackBackup(join(dir, 'backups'), version);
    writeFileSync(join(storeDir, 'events.db'), readFileSync(join(dir, 'backups', name, 'events.db')));
    const store = await open(storeDir);
    expect(store.readinessProblem()).toBeNull();
    await expectOlderRows(store, join(dir, 'backups', name, 'events.db'), version);
    // The live tail finds the older rows (ingested before the upgrade, which dropped the index it read) in ingest order.
    const olderOrder = ingestOrder(join(dir, 'backups', name, 'events.db'));
    expect(olderOrder).toHaveLength(73);
    expect(await tailIds(store, 0)).toEqual(olderOrder);
    // Every answer on the older rows, asked again once this version has written the same lines: each doubles.
    const questions = [
      '',
      'service.name:nginx',
      'log.level:error',
      'log.level:warn OR log.level:fatal',
      'event.dataset:pl*',
      'NOT event.dataset:json',
      'log.file.path:"/var/log/nginx/access.log"',
      'log.file.path:*app.log AND log.level:info',
      'log.file.path:/.*ecs.*/',
      'log.level:*',
      'NOT log.level:*',
      'log.file.path:*',
      'event.dataset:nginx AND http.response.status_code:404',
      'host.name:web-1',
      'host.name:app*',
      'NOT host.name:api-1',
      'host.name:(web-1 OR api-1) AND log.level:error',
    ];
    const before = await Promise.all(questions.map((q) => total(store, q)));
    const stackedBefore = await stackedByLevel(store);
    expect(stackedBefore).toEqual({ debug: 4, error: 8, info: 34, warn: 14 });
    expect(before).toEqual([73, 34, 8, 15, 33, 67, 34, 12, 6, 61, 12, 73, 3, 34, 33, 67, 6]);

    // The same lines again under other ids, written by this version: every answer doubles.
    const ingest = new IngestService(store, { maxMessageBytes: 1024 * 1024 });
    for (const file of FILES) {
      let offset = 0;
      const body = lines(file.path).map((message) => {
        const line = JSON.stringify({
          id: `new-${file.host}-${offset}`,
          host: file.host,
          service: file.service,
          source: `/var/log/${file.path.split('/').slice(-2).join('/')}`,
          offset,
          format: file.format,
          message,
        });
        offset += Buffer.byteLength(message) + 1;
        return line;
      });
      const result = await ingest.ingest(Buffer.from(body.join('\n') + '\n'), 'test');
      expect(result).toMatchObject({ accepted: body.length, duplicates: 0, rejected: 0 });
    }
    expect(await total(store, '')).toBe(146);
    // A file upgraded from before version 8 has a full-text index that reads `events` itself, so the new rows keep
    // their messages there too, and no block is made (message-blocks.ts); a version-8 file keeps them in blocks.
    const upgraded = new Database(join(storeDir, 'events.db'), { readonly: true });
    const blocks = upgraded
      .prepare(
        `SELECT (SELECT count(*) FROM message_blocks), (SELECT count(DISTINCT message >> 7) FROM events
           WHERE typeof(message) = 'integer'), (SELECT count(*) FROM events WHERE typeof(message) = 'integer')`,
      )
      .raw()
      .get() as number[];
    if (version < 8) expect(blocks).toEqual([0, 0, 0]);
    else expect([blocks[0], blocks[2]]).toEqual([blocks[1], 146]);
    upgraded.close();
    expect(await datasets(store)).toEqual({ nginx: 68, plain: 66, json: 12 });
    expect(await Promise.all(questions.map((q) => total(store, q)))).toEqual(before.map((n) => 2 * n));
    expect(await stackedByLevel(store)).toEqual({ debug: 8, error: 16, info: 68, warn: 28 });
    // Hits, not totals (which the rollup answers): the host index finds the older rows and the new rows of the same
    // hosts under one value, alone and where a rare level's walk reads the minutes of its hosts only.
    for (const rows of [prefix, 'new-']) {
      expect(await countIn(store, rows, 'host.name:web-1')).toBe(34);
      expect(await countIn(store, rows, 'host.name:(app-1 OR api-1)')).toBe(39);
      expect(await countIn(store, rows, 'log.level:warn OR log.level:fatal')).toBe(15);
      expect(await countIn(store, rows, 'host.name:web-1 AND log.level:error')).toBe(4);
    }
    // A host first seen after the upgrade is a code, and found by it.
    const nginx = lines(FILES[0].path).map((message, i) =>
      JSON.stringify({ id: `coded-${i}`, host: 'db-9', format: 'nginx', message }),
    );
    expect(await ingest.ingest(Buffer.from(nginx.join('\n') + '\n'), 'test')).toMatchObject({ accepted: 34 });
    expect(await countIn(store, 'coded-', 'host.name:db-9')).toBe(34);
    expect(await countIn(store, 'coded-', 'host.name:(db-9 OR web-1) AND log.level:error')).toBe(4);
    expect(await countIn(store, 'new-', 'host.name:(db-9 OR web-1) AND log.level:error')).toBe(4);
    expect((await store.event('coded-0'))!.doc.host).toEqual({ name: 'db-9' });
    const hostFacet = await store.topValues({
      query: parseQuery('NOT log.level:*'),
      ...WINDOW,
      field: 'host.name',
      size: 10,
    });
    expect(hostFacet.values).toEqual([{ value: 'app-1', count: 24 }]);
    const facets = await store.topValues({ query: parseQuery(''), ...WINDOW, field: 'log.file.path', size: 10 });
    expect(facets.values).toEqual([
      { value: '/var/log/nginx/access.log', count: 68 },
      { value: '/var/log/plain/app.log', count: 66 },
      { value: '/var/log/json/ecs.log', count: 12 },
    ]);
    // A line stored by version 1 and by this version reads back as the same document.
    let compared = 0;
    for (const file of FILES) {
      let offset = 0;
      for (const message of lines(file.path)) {
        const older = (await store.event(`${prefix}${file.host}-${offset}`))!.doc;
        const newer = (await store.event(`new-${file.host}-${offset}`))!.doc;
        expect(comparable(newer)).toEqual(comparable(older));
        expect(Object.keys(newer)[0]).toBe('@timestamp');
        offset += Buffer.byteLength(message) + 1;
        compared++;
      }
    }
    expect(compared).toBe(73);
    // The tail from before the upgrade gives the older rows, then the new ones, exactly as ingest order has them.
    const tailed = await tailIds(store, 0);
    expect(tailed).toHaveLength(180);
    expect(tailed).toEqual(ingestOrder(join(storeDir, 'events.db')));
    expect(tailed.slice(0, 73)).toEqual(olderOrder);
    // Ids of a shipper's shape stay text in a file upgraded from before version 9, whose older rows would hold them as
    // text, and are numbers in a version-9 file (event-ids.ts): a line sent again is found as a duplicate either way.
    const shipped = lines(FILES[1].path)
      .slice(0, 5)
      .map((message, i) => JSON.stringify({ id: eventId('db-9', 'upgraded', i * 100), host: 'db-9', message }));
    const shippedBody = Buffer.from(shipped.join('\n') + '\n');
    expect(await ingest.ingest(shippedBody, 'test')).toMatchObject({ accepted: 5, duplicates: 0 });
    expect(await ingest.ingest(shippedBody, 'test')).toMatchObject({ accepted: 0, duplicates: 5 });
    expect((await store.event(eventId('db-9', 'upgraded', 400)))?.id).toBe(eventId('db-9', 'upgraded', 400));
    await store.close();
    stores.length = 0;
    const file = new Database(join(storeDir, 'events.db'), { readonly: true });
    expect(file.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get()).toBe(
      String(SCHEMA_VERSION),
    );
    expect(file.prepare(`SELECT count(*) FROM events WHERE typeof(id) = 'text'`).pluck().get()).toBe(
      version < 9 ? 185 : 180,
    );
    expect(file.prepare(`SELECT count(*) FROM id_prefixes`).pluck().get()).toBe(version < 9 ? 0 : 1);
    // The file keeps its millisecond keys, the older rows' and the new ones' (event-key.ts): it has no `msx`, and
    // each key's upper bits are its event's millisecond, as the reads above gave back (2026).
    expect(file.prepare(`SELECT name FROM pragma_table_info('events') WHERE name = 'msx'`).all()).toEqual([]);
    expect(
      file.prepare(`SELECT min(rowid >> 20) > 1.7e12 AND max(rowid >> 20) < 1.9e12 FROM events`).pluck().get(),
    ).toBe(1);
    // The indexes on service and level, which version 1 made, are dropped; the others stay.
    expect(
      file
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' ORDER BY name`)
        .pluck()
        .all(),
    ).toEqual(['events_host', 'events_id']);
    // New rows keep nothing in the document that the key and columns give back (a plain line: nothing at all),
    // and codes in the named columns.
    expect(
      file
        .prepare(
          `SELECT doc, typeof(dataset) AS type, ${nameSql('dataset')} AS dataset, ${nameSql('source')} AS source
           FROM events e WHERE id = 'new-app-1-0'`,
        )
        .get(),
    ).toEqual({ doc: '{}', type: 'blob', dataset: 'plain', source: '/var/log/plain/app.log' });
    const coded = version < 3 ? 73 : 146;
    expect(file.prepare(`SELECT count(*) FROM events WHERE typeof(source) = 'blob'`).pluck().get()).toBe(coded);
    expect(file.prepare(`SELECT count(*) FROM events WHERE typeof(source) = 'text'`).pluck().get()).toBe(146 - coded);
    // The hosts of the older rows stay text in new rows; a new host (db-9, 39 rows) is a one-byte code, in its rows
    // and the index.
    expect(file.prepare(`SELECT name FROM host_texts ORDER BY name`).pluck().all()).toEqual(
      version < 6 ? ['api-1', 'app-1', 'web-1'] : [],
    );
    const hostTypes = file.prepare(
      `SELECT typeof(host) AS type, length(CAST(host AS BLOB)) AS bytes, count(*) AS n FROM events INDEXED BY events_host
       GROUP BY type, bytes ORDER BY type, bytes`,
    );
    expect(hostTypes.all()).toEqual(
      version < 6
        ? [
            { type: 'blob', bytes: 1, n: 39 },
            { type: 'text', bytes: 5, n: 146 },
          ]
        : [{ type: 'blob', bytes: 1, n: 185 }],
    );
    file.close();
  });
});

describe('a store file made at the current version', () => {
  it('keys its rows by the second, with the millisecond within it in msx, and reads the same lines alike', async () => {
    const storeDir = join(dir, 'store');
    const store = await open(storeDir);
    const ingest = new IngestService(store, { maxMessageBytes: 1024 * 1024 });
    for (const file of FILES) {
      const body = lines(file.path).map((message, offset) =>
        JSON.stringify({ id: `new-${file.host}-${offset}`, host: file.host, format: file.format, message }),
      );
      expect(await ingest.ingest(Buffer.from(body.join('\n') + '\n'), 'test')).toMatchObject({ accepted: body.length });
    }
    expect(await total(store, '')).toBe(73);
    expect(await datasets(store)).toEqual({ nginx: 34, plain: 33, json: 6 });
    expect(await total(store, 'log.level:error')).toBe(8);
    const file = new Database(join(storeDir, 'events.db'), { readonly: true });
    const rows = file.prepare(`SELECT id, rowid >> 20 AS second, msx FROM events`).all() as {
      id: string;
      second: number;
      msx: number;
    }[];
    file.close();
    expect(rows).toHaveLength(73);
    for (const row of rows) {
      const time = Date.parse((await store.event(row.id))!.doc['@timestamp']);
      expect([row.second, row.msx]).toEqual([Math.floor(time / 1000), time % 1000]);
    }
  });
});

describe.each(WITHOUT_SOURCES)('a store file of schema version %i, whose rollup had no source', (version) => {
  it('counts sources in the rollup from the upgrade on, and reads the events for its older rows until they expire', async () => {
    const storeDir = join(dir, 'store');
    mkdirSync(storeDir);
    const name = unpackBackup(join(dir, 'backups'), version);
    const original = join(dir, 'backups', name, 'events.db');
    writeFileSync(join(storeDir, 'events.db'), readFileSync(original));
    const v1 = new Database(original, { readonly: true });
    const sources = Object.fromEntries(
      (v1.prepare(`SELECT source, count(*) FROM events GROUP BY source`).raw().all() as [string, number][]).map(
        ([source, n]) => [source, n],
      ),
    );
    const lastMinute = v1.prepare(`SELECT max(slot) FROM event_counts WHERE unit = 1`).pluck().get() as number;
    v1.close();
    expect(sources).toEqual({
      '/var/log/nginx/access.log': 34,
      '/var/log/plain/app.log': 33,
      '/var/log/json/ecs.log': 6,
    });
    const store = await open(storeDir);
    const sourcesFrom = (lastMinute + 1) * 60_000;
    const meta = () => {
      const db = new Database(join(storeDir, 'events.db'), { readonly: true });
      const value = db.prepare(`SELECT value FROM meta WHERE key = 'rollup_sources_from_ms'`).pluck().get();
      db.close();
      return value;
    };
    expect(meta()).toBe(String(sourcesFrom));
    // The copied rows do not know their source: over the upgraded rows, the answers come from the events.
    expect(await sourceFacet(store, WINDOW.from)).toEqual(sources);
    expect(await total(store, 'log.file.path:"/var/log/nginx/access.log"')).toBe(34);
    expect(await total(store, 'NOT log.file.path:"/var/log/plain/app.log" AND service.name:nginx')).toBe(34);
    expect(await total(store, 'host.name:web-1')).toBe(34);
    // The day slots, summed from the 15-minute ones: a facet of the whole window reads them.
    const hosts = await store.topValues({ query: parseQuery(''), ...WINDOW, field: 'host.name', size: 10 });
    expect(hosts.values).toEqual([
      { value: 'web-1', count: 34 },
      { value: 'app-1', count: 33 },
      { value: 'api-1', count: 6 },
    ]);

    // 900 events a week after the upgraded ones, counted with their source.
    const later = sourcesFrom + 7 * 86_400_000;
    const events = Array.from({ length: 900 }, (_, i) => later + i * 1_000).map((ms, i) => {
      const ts = new Date(ms).toISOString();
      return {
        id: `v3-${i}`,
        doc: {
          '@timestamp': ts,
          message: `later ${i}`,
          host: { name: 'web-1' },
          log: { file: { path: `/var/log/${['a', 'b', 'b'][i % 3]}.log` } },
          event: { id: `v3-${i}`, ingested: ts, dataset: 'plain' },
        },
      };
    });
    expect(await store.write(events)).toMatchObject({ accepted: 900, duplicates: 0 });
    const newer = { '/var/log/a.log': 300, '/var/log/b.log': 600 };
    expect(await sourceFacet(store, WINDOW.from)).toEqual({ ...sources, ...newer });
    expect(await sourceFacet(store, new Date(sourcesFrom))).toEqual(newer);
    // From the rollup after the upgraded rows, from the events over them: a count changed in the rollup shows only
    // in the first.
    const tamper = (by: number) =>
      expect(addToRollup(join(storeDir, 'events.db'), later, '/var/log/a.log', by)).toBe(3);
    tamper(1000);
    expect(await sourceFacet(store, new Date(sourcesFrom))).toEqual({ ...newer, '/var/log/a.log': 1300 });
    expect(await sourceFacet(store, WINDOW.from)).toEqual({ ...sources, ...newer });
    tamper(-1000);

    // Retention removes the upgraded rows, and with them the reason to read the events.
    const now = new Date(Math.floor(later / 86_400_000) * 86_400_000 + 86_400_000);
    await store.applyRetention({ retentionDays: 1, deadLetterRetentionDays: 30 }, now);
    expect(meta()).toBeUndefined();
    expect(await sourceFacet(store, WINDOW.from)).toEqual(newer);
    tamper(1000);
    expect(await sourceFacet(store, WINDOW.from)).toEqual({ ...newer, '/var/log/a.log': 1300 });
  });
});

describe.each(OLDER_VERSIONS)('a backup of schema version %i', (version) => {
  it('restores from a backup made by that version and opens', async () => {
    const name = unpackBackup(join(dir, 'backups'), version);
    const data = join(dir, 'data');
    const restored = await restoreEmbeddedBackup(join(dir, 'backups'), name, data, { replace: false }, () => undefined);
    expect(restored.backup.events).toBe(73);
    const store = await open(join(data, 'store'));
    expect(store.readinessProblem()).toBeNull();
    await expectOlderRows(store, join(dir, 'backups', name, 'events.db'), version);
  });

  it('refuses a file of a newer schema version rather than misread it', async () => {
    const storeDir = join(dir, 'store');
    mkdirSync(storeDir);
    const name = unpackBackup(join(dir, 'backups'), version);
    const file = join(storeDir, 'events.db');
    writeFileSync(file, readFileSync(join(dir, 'backups', name, 'events.db')));
    const db = new Database(file);
    db.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(SCHEMA_VERSION + 1));
    db.close();
    const store = await open(storeDir);
    expect(store.readinessProblem()?.code).toBe('STORE_SCHEMA_MISMATCH');
  });
});

/**
 * Events with a level in one bucket stacked by level, read from the events (a query the rollup cannot answer), not
 * the rollup: codes and older rows' texts of the same level are one stack.
 */
async function stackedByLevel(store: EmbeddedStore): Promise<Record<string, number> | undefined> {
  const buckets = await store.histogram({
    query: parseQuery('log.level:* AND NOT log.level:fatal'),
    ...WINDOW,
    intervalMs: 2 * 365 * 86_400_000,
    by: 'log.level',
  });
  const stacked = buckets.filter((b) => b.count > 0);
  expect(stacked).toHaveLength(1);
  return stacked[0]!.by;
}

/** The ids of a file's events in ingest order (ingest time, then id), as a tail gives them. */
function ingestOrder(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(`SELECT id FROM events ORDER BY ingested, id`).pluck().all() as string[];
  } finally {
    db.close();
  }
}

/** The ids a tail from `sinceMs` gives, read in pages of 50. */
async function tailIds(store: EmbeddedStore, sinceMs: number): Promise<string[]> {
  const out: string[] = [];
  let after: TailPosition | undefined;
  for (;;) {
    const page = await store.tail({ query: parseQuery(''), sinceMs: after?.ingestedMs ?? sinceMs, after, limit: 50 });
    out.push(...page.map((e) => e.hit.id));
    if (page.length < 50) return out;
    after = page.at(-1)!.position;
  }
}

/** Matching events whose id starts with `prefix`. */
async function countIn(store: EmbeddedStore, prefix: string, query: string): Promise<number> {
  const page = await store.search({ query: parseQuery(query), ...WINDOW, limit: 1000, order: 'desc' });
  return page.hits.filter((hit) => hit.id.startsWith(prefix)).length;
}

/** Events per source from `from` to the end of WINDOW. */
async function sourceFacet(store: EmbeddedStore, from: Date): Promise<Record<string, number>> {
  const top = await store.topValues({ query: parseQuery(''), from, to: WINDOW.to, field: 'log.file.path', size: 10 });
  expect(top.other).toBe(0);
  return Object.fromEntries(top.values.map((v) => [v.value, v.count]));
}
