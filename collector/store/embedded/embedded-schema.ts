import type Database from 'better-sqlite3';
import { MINUTE_MS, ROLLUP_UNITS, SOURCES_FROM_KEY } from './count-rollup.js';
import { INGEST_RUNS_DDL, runOfStoredEvents } from './ingest-runs.js';
import { ID_PREFIXES_DDL } from './event-ids.js';
import { messageTextSql } from './message-blocks.js';
import { HOST_TEXTS_DDL, HOST_TEXTS_SQL } from './stored-names.js';

/**
 * Tables of the embedded store (one SQLite file, WAL mode). Bumped when the layout changes; a file of a newer version
 * is refused rather than misread, and a file of an older version is brought up to this one (UPGRADES).
 *
 * 2: `events.dataset` holds `event.dataset`, and the document leaves out `@timestamp` when the row key gives it back
 *    exactly (stored-document.ts): 70 of the ~150 bytes of a plain line's row. Rows written by version 1 keep both in
 *    their document, which wins when reading, so an upgraded file is read without rewriting any row; a version-1
 *    collector would miss both in the newer rows, hence the bump. New files' full-text index keeps no word positions
 *    (`detail = none`); an upgraded file keeps its index with positions, and both are searched the same way.
 * 3: `service`, `level`, `source` and `dataset` hold a code of the table `names` instead of their text
 *    (stored-names.ts). Older rows keep their text and are read as they are; a version-2 collector would read the
 *    codes as values, hence the bump.
 * 4: `event_counts` counts by source too (count-rollup.ts), a column of its key, and per day as well: an older
 *    collector could not add to it (its upsert names the older key) and would not count days, hence the bump. See
 *    addSourceToRollup for the upgrade.
 * 5: a message that begins with its event's time as toISOString() writes it is kept without it, as a BLOB of the
 *    rest (stored-document.ts), and indexed without it. Older rows keep their text and are read as they are; an
 *    older collector would read such a message as bytes, and without its time, hence the bump. Nothing in the
 *    layout changes.
 * 6: `host` holds a code of `names` instead of its text, in the row and in its index (stored-names.ts). Older rows
 *    keep their text and are read as they are (nameSql(), codeEqualsSql()), and the hosts they name, listed in the
 *    new table `host_texts` by the upgrade (one index seek per host), stay text in new rows, so that a host has one
 *    value in the index. An older collector would read the codes as host names, and its host filters would not find
 *    the newer rows, hence the bump.
 * 7: no index on `ingested`; the table `ingest_runs` says which event times each write transaction stored, and the
 *    live tail reads those (ingest-runs.ts). The events stored before the upgrade become one run. An older collector
 *    would build the index again but not add runs, and a later one's tail would miss its events, hence the bump.
 * 8: messages are kept compressed in blocks (`message_blocks`, message-blocks.ts), the row's `message` an INTEGER
 *    reference, in files made since: their full-text index reads its text through the view `events_text`, which
 *    an upgraded file's index, made with `events` as its content, does not. An upgraded file keeps storing text.
 *    An older collector would read the references as messages, hence the bump.
 * 9: an id of a shipper's shape is kept as an INTEGER, the code of its prefix in the new table `id_prefixes` and its
 *    offset (event-ids.ts), in files made since: their `id` column has no declared type. An upgraded file keeps
 *    storing text, which its older rows hold. An older collector would read the numbers as ids and store the same
 *    ids again as text, hence the bump.
 * 10: rows are keyed by the second, `(second << 20) + n`, with the millisecond within the second in the new column
 *    `events.msx`, in files made since (event-key.ts): the full-text index lists each word's events as rowid steps,
 *    4-6 bytes each with millisecond keys. Such files also keep `ingested` as the milliseconds from the event's time
 *    to its ingest (KeyLayout.sqlIngested). An upgraded file keeps its millisecond keys, its epoch ingest times and
 *    has no `msx`. An older collector would read the seconds as milliseconds, hence the bump.
 */
export const SCHEMA_VERSION = 10;

/**
 * - `events`: one row per event; rowid is the time-ordered key (event-key.ts), by the second with the millisecond
 *   within it in `msx` (files made before version 10: by the millisecond, no `msx`). The document is kept as JSON without
 *   its message, which is in `message_blocks` (a reference in `message`; text in files made before version 8); the
 *   fields every search filters on have their own columns, host, service, level, file path and dataset as codes of
 *   `names`, and a shipper's id as a number (event-ids.ts; text in files made before version 9). `id` (duplicates)
 *   and `host` are indexed; each index also holds the rowid, so
 *   "host X, newest first" walks the host index in key order. `service` and `level` are not (DROPPED_INDEXES):
 *   `event_counts` counts them, and tells a search which minutes to walk for them (embedded-search.ts).
 * - `names`: each value of the named columns once, with the code rows keep instead (stored-names.ts).
 * - `ingest_runs`: which event times each write transaction stored, and when they were ingested: what the live tail
 *   reads instead of an index on `ingested` (ingest-runs.ts).
 * - `host_texts`: the hosts a file upgraded to version 6 held as text, which stay text (stored-names.ts); empty in
 *   files made since.
 * - `message_blocks`: the messages, compressed 64 at a time (message-blocks.ts).
 * - `id_prefixes`: the prefixes of the shippers' ids, with the code rows keep and their latest event time
 *   (event-ids.ts); empty in files made before version 9.
 * - `events_fts`: FTS5 over the messages with external content (the text is stored once, read through the view
 *   `events_text`; `events` itself in files made before version 8); the tokenizer
 *   keeps `_` inside words and does not fold diacritics, like Elasticsearch's standard analyzer. No per-document
 *   size rows (`columnsize = 0`): only bm25 ranking reads them, and log searches sort by time. No word positions
 *   (`detail = none`, files of schema version 2 on): a phrase is found as all its words and its order checked on
 *   the message of those events (compile-sql.ts), which costs a phrase search little and saved 33 of 107 bytes per event of the index (bench/embedded-store.ts).
 * - `dead_letters`, `heartbeats`: rejected lines with their reasons, and the latest heartbeat per shipper.
 * - `host_clocks`: each host's latest clock offset estimate (JSON), kept beside its heartbeat; a table of its own so
 *   files written before it need no new schema version.
 * - `event_counts`: events per day, 15-minute and 1-minute slot by host, service, level and source (count-rollup.ts), for
 *   totals, histograms and facets without reading every event.
 * - `host_activity`: when each host last had an event stored, kept by the writer so `/hosts` needs no scan.
 * - `alert_records`: alert rules, their states and outboxes, and the evaluation lease (embedded-alert-records.ts);
 *   added without a version bump, since a file without the table just gets it.
 */
/**
 * Blocks of compressed messages (message-blocks.ts), with the latest event time of each: retention deletes a block
 * once every event in it has expired.
 */
const MESSAGE_BLOCKS_DDL = `CREATE TABLE IF NOT EXISTS message_blocks (block INTEGER PRIMARY KEY AUTOINCREMENT, last INTEGER NOT NULL, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS message_blocks_last ON message_blocks(last);`;

/** The content of the full-text index of files made at schema version 8 on: the messages' text, whatever their form. */
const TEXT_CONTENT = 'events_text';

/**
 * Whether the file keeps new messages in blocks: only when its full-text index reads its content through
 * `events_text`. An index made earlier reads `events.message` as it is, and FTS5's own integrity check (a backup's
 * check) would find a reference there instead of the words it indexed.
 */
export function keepsMessageBlocks(db: Database.Database): boolean {
  const sql = db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'events_fts'`).pluck().get() as string | undefined;
  return sql?.includes(`'${TEXT_CONTENT}'`) ?? false;
}

/** FTS5's tokenizer for messages: `_` inside words, diacritics kept (Elasticsearch's standard analyzer does both). */
export const FTS_TOKENIZER = "unicode61 remove_diacritics 0 tokenchars '_'";

const NAMES_DDL = `CREATE TABLE IF NOT EXISTS names (code BLOB PRIMARY KEY, name TEXT NOT NULL UNIQUE) WITHOUT ROWID;`;

const DDL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
  rowid INTEGER PRIMARY KEY,
  id NOT NULL,
  host TEXT,
  service TEXT,
  level TEXT,
  source TEXT,
  off INTEGER,
  ingested INTEGER NOT NULL,
  message NOT NULL,
  doc TEXT NOT NULL,
  dataset TEXT,
  msx INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS events_id ON events(id);
${NAMES_DDL}
${HOST_TEXTS_DDL}
CREATE INDEX IF NOT EXISTS events_host ON events(host);
${INGEST_RUNS_DDL}
${MESSAGE_BLOCKS_DDL}
${ID_PREFIXES_DDL}
CREATE VIEW IF NOT EXISTS events_text(key, message) AS SELECT rowid, ${messageTextSql('events.message')} FROM events;
CREATE VIRTUAL TABLE IF NOT EXISTS events_fts USING fts5(
  message,
  content = '${TEXT_CONTENT}',
  content_rowid = 'key',
  tokenize = "${FTS_TOKENIZER}",
  detail = 'none',
  columnsize = 0
);
CREATE TRIGGER IF NOT EXISTS events_fts_delete AFTER DELETE ON events BEGIN
  INSERT INTO events_fts(events_fts, rowid, message) VALUES ('delete', old.rowid, ${messageTextSql('old.message')});
END;
CREATE TABLE IF NOT EXISTS dead_letters (
  seq INTEGER PRIMARY KEY,
  received_ms INTEGER NOT NULL,
  received_at TEXT NOT NULL,
  code TEXT NOT NULL,
  reason TEXT NOT NULL,
  token TEXT,
  original TEXT,
  original_base64 TEXT,
  original_bytes INTEGER,
  original_sha256 TEXT
);
CREATE INDEX IF NOT EXISTS dead_letters_received ON dead_letters(received_ms);
${eventCountsTable('event_counts')}
CREATE TABLE IF NOT EXISTS host_activity (
  host TEXT PRIMARY KEY,
  last_ingested INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alert_records (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS heartbeats (
  host TEXT PRIMARY KEY,
  received_at TEXT NOT NULL,
  heartbeat TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS host_clocks (
  host TEXT PRIMARY KEY,
  clock TEXT NOT NULL
) WITHOUT ROWID;
`;

/** The rollup table's layout, under `name` (addSourceToRollup builds it beside the older one). */
function eventCountsTable(name: string): string {
  return `CREATE TABLE IF NOT EXISTS ${name} (
  unit INTEGER NOT NULL,
  slot INTEGER NOT NULL,
  host TEXT NOT NULL,
  service TEXT NOT NULL,
  level TEXT NOT NULL,
  source TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (unit, slot, host, service, level, source)
) WITHOUT ROWID;`;
}

/** Bytes per page of a new store file. */
const PAGE_SIZE = 16384;
/**
 * Write-ahead log at which the writer checkpoints it into the file. The log is on disk beside the file until then:
 * at 64 MiB it was up to 67 bytes per event of a 1,000,000-event store, a fifth of its size; at 16 MiB it is up to
 * 17, and the writer's CPU per event did not change (bench/embedded-writer-cost.ts, two runs each, 1,000,000
 * events: 7.48 and 6.87 µs at 64 MiB, 6.83 and 6.66 at 16).
 */
const WAL_CHECKPOINT_BYTES = 16 * 2 ** 20;

/** Settings of the writing connection: WAL so readers never block it, FULL sync so a 200 survives a power cut. */
export function configureWriter(db: Database.Database, lockTimeoutMs: number): void {
  // 16 KiB pages instead of 4 KiB: fewer b-tree pages to find, split and write per event across the table and its
  // five indexes (writer CPU 10.5 → 8.9 µs per event on 600,000 events, the same run). Only a new file takes it
  // (before its first table); an existing file keeps its page size.
  db.pragma(`page_size = ${PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // Only another process can hold the write lock (this one writes through one connection), and better-sqlite3
  // waits synchronously: a long wait would stall every request, so a held lock soon answers 503 STORE_LOCKED.
  db.pragma(`busy_timeout = ${lockTimeoutMs}`);
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  // Checkpoints at ~16 MiB of WAL keep the file bounded without a checkpoint per batch (counted in pages, which are
  // 4 KiB in files created before PAGE_SIZE).
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.pragma(`wal_autocheckpoint = ${Math.round(WAL_CHECKPOINT_BYTES / pageSize)}`);
  // Without a limit the write-ahead log keeps the largest size it ever reached after each checkpoint (at least the
  // checkpoint size); with it, the log is cut back whenever it starts over.
  db.pragma(`journal_size_limit = ${WAL_KEPT_BYTES}`);
}

/** Bytes of write-ahead log kept on disk once a checkpoint has copied it into the file. */
const WAL_KEPT_BYTES = 4 * 2 ** 20;

/** Settings of the reading connection. */
export function configureReader(db: Database.Database): void {
  db.pragma('busy_timeout = 1000');
  db.pragma('cache_size = -131072');
  db.pragma('temp_store = MEMORY');
  db.pragma('mmap_size = 1073741824');
}

/**
 * FTS5 merges a level's index segments once this many are there (SQLite's default is 4). Each merge rewrites the
 * postings, so fewer, larger merges cut the writer's CPU per event (measured in issue 8: 13.7 → 11.4 µs per event
 * on 600,000 events); a search reads at most this many segments per level, which kept the full-text reads of
 * bench/embedded-store.ts at p50 ≤ 2 ms.
 */
const FTS_AUTOMERGE = 16;

/**
 * A level holding this many segments is merged whole, at once, in the transaction that made it so (SQLite's default
 * is 16). Equal to FTS_AUTOMERGE it made every merge such a whole-level merge, since the incremental merge (work in
 * proportion to what each transaction wrote) starts at the same count: one transaction then rewrote a level of
 * the whole index, which held the writer for 1.1–2.3 s in the middle of expiring 200,000 events (and during
 * ingest alike). Four times higher, merges stay incremental; the crisis merge is left for a writer that falls far
 * behind.
 */
const FTS_CRISISMERGE = 4 * FTS_AUTOMERGE;

/** Creates the tables on a new file and checks the version of an existing one. */
export function migrate(db: Database.Database): void {
  db.exec(DDL);
  // Written only when it differs: an open that writes would wait for the lock of a collector running on the file.
  const config = db.prepare(`SELECT v FROM events_fts_config WHERE k = ?`).pluck();
  for (const [key, value] of [
    ['automerge', FTS_AUTOMERGE],
    ['crisismerge', FTS_CRISISMERGE],
  ] as const) {
    // FTS5 refuses a bound value for its configuration commands ("SQL logic error"): the number is written inline.
    if (config.get(key) !== value) db.exec(`INSERT INTO events_fts(events_fts, rank) VALUES ('${key}', ${value})`);
  }
  addMissingColumns(db, 'dead_letters', { original_bytes: 'INTEGER', original_sha256: 'TEXT' });
  dropIndexes(db, DROPPED_INDEXES);
  const row = db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string } | undefined;
  if (!row) {
    db.prepare(`INSERT INTO meta(key, value) VALUES ('schema_version', ?)`).run(String(SCHEMA_VERSION));
    return;
  }
  const version = Number(row.value);
  if (version === SCHEMA_VERSION) return;
  const upgrades = UPGRADES.slice(version - 1);
  if (!Number.isInteger(version) || version < 1 || upgrades.length !== SCHEMA_VERSION - version) {
    throw new Error(`The store file has schema version ${row.value}; this logship reads version ${SCHEMA_VERSION}.`);
  }
  // All steps and the new version in one transaction: a crash in between leaves the file as it was.
  db.transaction(() => {
    for (const upgrade of upgrades) upgrade(db);
    db.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(SCHEMA_VERSION));
  }).immediate();
}

/**
 * The steps from each schema version to the next (UPGRADES[v - 1] takes version v to v + 1). Each changes the layout
 * only (no row is rewritten), so opening a large older file, or restoring an older backup, takes no longer than a new
 * one.
 */
const UPGRADES: readonly ((db: Database.Database) => void)[] = [
  // 1 → 2: older rows keep `event.dataset` and `@timestamp` in their document (restoreDocument reads them there).
  (db) => addMissingColumns(db, 'events', { dataset: 'TEXT' }),
  // 2 → 3: older rows keep their texts in the named columns (nameSql() reads both); new rows get codes.
  (db) => db.exec(NAMES_DDL),
  // 3 → 4: the rollup counts by source, and per day.
  addSourceToRollup,
  // 4 → 5: older rows keep their messages as TEXT, which every read takes as they are (storedMessage).
  () => undefined,
  // 5 → 6: older rows keep their host names as TEXT, which every read takes as they are, and the hosts they name
  // stay text in new rows (stored-names.ts).
  (db) => db.exec(`INSERT OR IGNORE INTO host_texts(name) ${HOST_TEXTS_SQL}`),
  // 6 → 7: the events stored so far become one run, and the index on `ingested` goes (ingest-runs.ts).
  runOfStoredEvents,
  // 7 → 8: `message_blocks` is made (DDL), and stays empty: the file's full-text index reads `events` as it is, so
  // its messages stay text (keepsMessageBlocks).
  () => undefined,
  // 8 → 9: `id_prefixes` is made (DDL), and stays empty: the file's `id` column is TEXT, so its ids stay text
  // (keepsCompactIds).
  () => undefined,
  // 9 → 10: nothing: the file has no `msx`, so it keeps its millisecond keys (keyLayout).
  () => undefined,
];

/**
 * Gives the rollup its `source` key column and its day slots (summed from the 15-minute ones). The older rows are
 * copied with source '' (a few rows per host and minute, seconds at 10M events), not counted again from the events, which would read the whole file while it
 * opens; the minute after the newest of them is kept as SOURCES_FROM_KEY, and a query that looks at the source over
 * an earlier window reads the events there, as it did before (count-rollup.ts). Retention removes the key with the
 * last of those rows (embedded-writer.ts).
 */
function addSourceToRollup(db: Database.Database): void {
  const [day, quarter] = ROLLUP_UNITS;
  const columns = (db.prepare(`PRAGMA table_info(event_counts)`).all() as { name: string }[]).map((c) => c.name);
  if (columns.includes('source')) return;
  db.exec(`${eventCountsTable('event_counts_sources')}
    INSERT INTO event_counts_sources(unit, slot, host, service, level, source, n)
      SELECT unit, slot, host, service, level, '', n FROM event_counts;
    DROP TABLE event_counts;
    ALTER TABLE event_counts_sources RENAME TO event_counts;`);
  // The day slots (ROLLUP_UNITS) from the 15-minute ones: 96 to a day.
  db.prepare(
    `INSERT INTO event_counts(unit, slot, host, service, level, source, n)
     SELECT ?, slot / ?, host, service, level, source, sum(n) FROM event_counts WHERE unit = ?
     GROUP BY slot / ?, host, service, level, source`,
  ).run(day, day / quarter, quarter, day / quarter);
  const last = db.prepare(`SELECT max(slot) FROM event_counts WHERE unit = 1`).pluck().get() as number | null;
  if (last !== null) {
    db.prepare(`INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)`).run(
      SOURCES_FROM_KEY,
      String((last + 1) * MINUTE_MS),
    );
  }
}

/**
 * Indexes that files made before have and the store no longer uses. `service` and `level` have a handful of values
 * each: their indexes cost the writer ~1.2 µs per event each (of ~16) and 20 bytes per event each, while their counts
 * come from the rollup and a search for them walks the minutes the rollup says hold them. Dropped when a file is
 * opened, without a version bump: a collector of an earlier version opening the file builds them again.
 */
const DROPPED_INDEXES = ['events_service', 'events_level'];

function dropIndexes(db: Database.Database, names: readonly string[]): void {
  const present = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?`).pluck();
  // Only when present: an open that writes would wait for the lock of a collector running on the file.
  for (const name of names) if (present.get(name) !== undefined) db.exec(`DROP INDEX ${name}`);
}

/**
 * Columns added after a table was first created, added to files that lack them: a nullable column changes nothing
 * for older rows, so the file keeps its schema version and older collectors keep reading it.
 */
function addMissingColumns(db: Database.Database, table: string, columns: Record<string, string>): void {
  const present = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
  for (const [name, type] of Object.entries(columns)) {
    if (!present.has(name)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${type}`);
  }
}
