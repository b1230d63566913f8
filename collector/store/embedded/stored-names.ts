import type Database from 'better-sqlite3';

/**
 * Columns of `events` whose values repeat across nearly every row (host, service, level, file path, dataset): a row
 * keeps a short code and the table `names` keeps each value once. In bench/embedded-store.ts these texts took 41 of
 * a row's ~157 bytes; their codes take 5. The host's code is also what its index keeps (5 → 1 bytes per event on
 * the bench's `web-1`; a real host name of 20 characters saves 19 in the row and 19 in the index). The rollup and
 * `host_activity` keep host names as text: one row per host and minute, not per event.
 *
 * A code is a BLOB (the column's TEXT affinity would turn an integer into its digits): the value's number in
 * `names`, big-endian in as few bytes as it needs, so the first 255 values take one byte. Rows written before
 * codes existed (schema version 2 for service, level, source and dataset, 5 for host) keep their text, and every
 * read takes a value through nameSql(), which gives both back as text, so an upgraded file is read without
 * rewriting a row.
 *
 * The host is the one named column with an index, and a filter on it must find a host under one value: "host X,
 * newest first" walks the index in key order only for a single value (two of them, a text and a code, made SQLite
 * sort all of X's events in the window first; several hosts ORed lost the window's bounds and read every event of
 * those hosts). So a host keeps one form for good: the hosts an upgraded file already held as text are listed in
 * `host_texts` (HOST_TEXTS_SQL) and stay text in new rows too; every other host is a code.
 */
export const NAMED_COLUMNS = ['host', 'service', 'level', 'source', 'dataset'] as const;
export type NamedColumn = (typeof NAMED_COLUMNS)[number];

export function isNamedColumn(column: string): column is NamedColumn {
  return (NAMED_COLUMNS as readonly string[]).includes(column);
}

/** SQL for the text of a named column of the events row aliased `e` (its code looked up, or older rows' text). */
export function nameSql(column: NamedColumn): string {
  return nameOf(`e.${column}`);
}

/**
 * SQL for the text of a stored value `expr` that may be a code. A lookup per row costs about 1 µs, which doubles a
 * scan: filters compare codes instead (codeEqualsSql) and GROUP BY groups codes, looking up each group once.
 */
export function nameOf(expr: string): string {
  return `(CASE WHEN typeof(${expr}) = 'blob' THEN (SELECT name FROM names WHERE code = ${expr}) ELSE ${expr} END)`;
}

/**
 * SQL for a named column of the events row aliased `e` as a key NameReader.name() turns into its text: a code's hex
 * digits, or `=` and the text a row holds instead (an older row, or a host kept as text). Reads that return rows
 * look their names up in JavaScript: the lookup in SQL (nameSql) cost about 0.5 µs per column of each row returned,
 * and a page of 100 rows has 500 of them.
 */
export function nameKeySql(column: NamedColumn): string {
  return `(CASE WHEN typeof(e.${column}) = 'blob' THEN hex(e.${column}) ELSE '=' || e.${column} END)`;
}

/** The named columns namesKeySql quotes when they hold codes, in this order, before the host. */
const QUOTED_NAMES = ['service', 'level', 'source', 'dataset'] as const;

/**
 * SQL for every named column of the events row aliased `e` as one key, which NameReader.rowNames() turns into their
 * texts. The five keys of nameKeySql cost ~1 µs per row read (a rare word's page of 100 at 10M events: 0.29 ms for
 * its statement, 0.19 without names); rows of one host and file repeat the same few names, so one key per row,
 * looked up once per reader, costs a third of that. Rows of coded names (every row since schema 6 but a host kept
 * as text) give `quote()` of service, level, source and dataset (`X'…'` or `NULL`, each telling where it ends) and
 * then the host's nameKeySql key; others (rows of schema 1 and 2) give the five keys as a JSON array. quote() ends a
 * text at a NUL character, so a text is never quoted: two hosts would share a key.
 */
export function namesKeySql(): string {
  const coded = QUOTED_NAMES.map((c) => `typeof(e.${c}) != 'text'`).join(' AND ');
  const quoted = QUOTED_NAMES.map((c) => `quote(e.${c})`).join(' || ');
  return `(CASE WHEN ${coded} THEN ${quoted} || coalesce(${nameKeySql('host')}, '')
    ELSE json_array(${NAMED_COLUMNS.map(nameKeySql).join(', ')}) END)`;
}

/** The texts of the named columns of a row, in NAMED_COLUMNS order. */
export type RowNames = readonly [
  host: string | null,
  service: string | null,
  level: string | null,
  source: string | null,
  dataset: string | null,
];

/** SQL for the value rows hold under the key `key` (an SQL expression) of nameKeySql: nameKeySql in reverse. */
export function keyValueSql(key: string): string {
  return `(CASE WHEN substr(${key}, 1, 1) = '=' THEN substr(${key}, 2) ELSE unhex(${key}) END)`;
}

/**
 * The reading side of `names`, once per reader: the text of a key read through nameKeySql, and the key of what the
 * rows of a host hold. A code always names the same value (names are never deleted or renumbered, stored-names
 * above), nor does `host_texts` change after the upgrade that wrote it, so what a read looked up holds for every
 * later read; a code the table does not hold gives null, as nameSql does.
 */
export class NameReader {
  private readonly names = new Map<string, string>();
  private readonly rows = new Map<string, RowNames>();
  private readonly hosts = new Map<string, string>();
  private readonly find: Database.Statement;
  private readonly findHost: Database.Statement;

  constructor(db: Database.Database) {
    this.find = db.prepare(`SELECT name FROM names WHERE code = unhex(?)`).pluck();
    this.findHost = db.prepare(
      `SELECT EXISTS (SELECT 1 FROM host_texts WHERE name = ?) AS text, (SELECT hex(code) FROM names WHERE name = ?) AS code`,
    );
  }

  name(key: string | null): string | null {
    if (key === null) return null;
    if (key.charCodeAt(0) === TEXT_MARK) return key.slice(1);
    const known = this.names.get(key);
    if (known !== undefined) return known;
    const name = this.find.get(key) as string | undefined;
    if (name === undefined) return null;
    remember(this.names, key, name);
    return name;
  }

  /** The texts of a row's named columns from its namesKeySql key; a code the table does not hold gives null. */
  rowNames(key: string): RowNames {
    const known = this.rows.get(key);
    if (known !== undefined) return known;
    const keys = key.charCodeAt(0) === JSON_ARRAY ? (JSON.parse(key) as (string | null)[]) : quotedKeys(key);
    const names = keys.map((k) => this.name(k)) as unknown as RowNames;
    // Only names found hold for later reads (name() above).
    if (names.every((name, i) => name !== null || keys[i] === null)) remember(this.rows, key, names);
    return names;
  }

  /**
   * The key of what the rows of host `name` hold (its code, or its text for a host kept as text or one without a
   * code, which no row holds), for a statement that joins a list of hosts on the host index through keyValueSql (a
   * rare level's walk: one per host and slot). codeEqualsSql() on the joined value looked the host up once per list
   * entry, 6 µs each, which made 120 such entries 0.8 ms slower than the text compared before host codes.
   */
  hostKey(name: string): string {
    const known = this.hosts.get(name);
    if (known !== undefined) return known;
    const { text, code } = this.findHost.get(name, name) as { text: number; code: string | null };
    const key = text === 1 || code === null ? `=${name}` : code;
    // A host without a code yet may be given one: only a found value holds for good.
    if (text === 0 && code === null) return key;
    remember(this.hosts, name, key);
    // Its rows read back through name(), which then finds the code known.
    if (key === code) remember(this.names, code, name);
    return key;
  }

  /** What the rows of host `name` hold, to bind: hostKey() as keyValueSql gives it. */
  hostValue(name: string): string | Buffer {
    const key = this.hostKey(name);
    return key.charCodeAt(0) === TEXT_MARK ? key.slice(1) : Buffer.from(key, 'hex');
  }
}

/** `=`: the mark nameKeySql puts before the text a row holds (hex digits never begin with it). */
const TEXT_MARK = 0x3d;
/** `[`: how a namesKeySql key of JSON begins (a quoted one begins with `X` or `N`). */
const JSON_ARRAY = 0x5b;

/**
 * The nameKeySql keys, in NAMED_COLUMNS order, of a namesKeySql key of coded names: each of QUOTED_NAMES as quote()
 * gives it (`X'0A'`: the key `0A`; `NULL`), then the host's key, empty for none.
 */
function quotedKeys(key: string): (string | null)[] {
  const keys: (string | null)[] = [];
  let at = 0;
  for (let i = 0; i < QUOTED_NAMES.length; i++) {
    if (key.startsWith('NULL', at)) {
      keys.push(null);
      at += 4;
    } else {
      const end = key.indexOf("'", at + 2);
      keys.push(key.slice(at + 2, end));
      at = end + 1;
    }
  }
  const host = key.slice(at);
  return [host === '' ? null : host, ...keys];
}

/** A sender can make many names (a file path per event): past CACHE_LIMIT, a cache forgets them all. */
function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
}

/**
 * SQL for "the named column holds the text bound to each `?`" (bind codeEqualsParams()): its code (looked up once
 * per statement) or, in older rows, the text itself; for the host the one of them its rows hold, which its index
 * finds as one value. A name not in the table gives an empty blob, which no row holds, rather than NULL, so the test
 * is never NULL where the column is not (NOT keeps the rows it did not match).
 */
export function codeEqualsSql(column: NamedColumn): string {
  const code = `coalesce((SELECT code FROM names WHERE name = ?), x'')`;
  if (column === 'host') {
    return `e.host = (CASE WHEN EXISTS (SELECT 1 FROM host_texts WHERE name = ?) THEN ? ELSE ${code} END)`;
  }
  return `e.${column} IN (?, ${code})`;
}

/** The parameters of codeEqualsSql(column) for `value`: the value once per `?`. */
export function codeEqualsParams(column: NamedColumn, value: string): string[] {
  return column === 'host' ? [value, value, value] : [value, value];
}

/** The table of the hosts an upgraded file held as text before host codes (schema version 6), kept as text. */
export const HOST_TEXTS_DDL = `CREATE TABLE IF NOT EXISTS host_texts (name TEXT PRIMARY KEY) WITHOUT ROWID;`;

/**
 * SQL listing the distinct host texts of `events`, one index seek per host (a DISTINCT over the host index would read
 * every entry: 10,000,000 of them in a large file). Texts sort before blobs, so the codes are never reached.
 */
export const HOST_TEXTS_SQL = `WITH RECURSIVE h(name) AS (
    SELECT min(host) FROM events WHERE host < x''
    UNION ALL SELECT (SELECT min(host) FROM events WHERE host > h.name AND host < x'') FROM h WHERE h.name IS NOT NULL
  ) SELECT name FROM h WHERE name IS NOT NULL`;

/** The code of the `n`th name (from 1): big-endian, no leading zero bytes. */
export function nameCode(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`No name code for ${n}.`);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from(bytes);
}

/** Values the writer remembers the codes of (a reader the names of); past this it forgets them all and reads them back. */
const CACHE_LIMIT = 10_000;

/**
 * The writer's side of `names`: the code of a value, added to the table on first use within the writer's
 * transaction. The cache may hold codes of a transaction that was rolled back, so the writer calls forget() then.
 * A sender can make many names (a file path per event), so the cache is bounded; the table holds them as it holds
 * the events that carry them.
 */
export class NameCodes {
  private readonly codes = new Map<string, Buffer>();
  /** Names in the table, counted once per transaction that adds one (a count walks the whole table). */
  private stored: number | undefined;
  private readonly find: Database.Statement;
  private readonly count: Database.Statement;
  private readonly add: Database.Statement;
  /** Hosts kept as text (`host_texts`), which only an upgrade writes, before this writer starts. */
  private readonly hostTexts: ReadonlySet<string>;

  constructor(db: Database.Database) {
    this.hostTexts = new Set(db.prepare(`SELECT name FROM host_texts`).pluck().all() as string[]);
    this.find = db.prepare(`SELECT code FROM names WHERE name = ?`).pluck();
    // Names are never deleted, so their count numbers the next one. Counted inside the writer's transaction, which
    // holds the file's write lock: no other collector adds one until it ends (transactionEnded()).
    this.count = db.prepare(`SELECT count(*) FROM names`).pluck();
    this.add = db.prepare(`INSERT INTO names(code, name) VALUES (?, ?)`);
  }

  /** The code to store for `value` (null stays null). Call only inside a write transaction. */
  code(value: string | null): Buffer | null {
    if (value === null) return null;
    const known = this.codes.get(value);
    if (known) return known;
    let code = this.find.get(value) as Buffer | undefined;
    if (!code) {
      this.stored ??= this.count.get() as number;
      code = nameCode(++this.stored);
      this.add.run(code, value);
    }
    remember(this.codes, value, code);
    return code;
  }

  /** What to store for the host `value`: its code, or its text when the file keeps that host as text. */
  host(value: string | null): Buffer | string | null {
    return value !== null && this.hostTexts.has(value) ? value : this.code(value);
  }

  /** After each write transaction: another collector may add names before the next. */
  transactionEnded(): void {
    this.stored = undefined;
  }

  forget(): void {
    this.codes.clear();
  }
}
