import type Database from 'better-sqlite3';

/**
 * Columns of `events` whose values repeat across nearly every row (service, level, file path, dataset): a row keeps
 * a short code and the table `names` keeps each value once. In bench/embedded-store.ts these four texts took 36 of
 * a row's ~157 bytes; their codes take 4. `host` keeps its text: its index is what a host filter walks, and the
 * rollup and `host_activity` name hosts by text too.
 *
 * A code is a BLOB (the column's TEXT affinity would turn an integer into its digits): the value's number in
 * `names`, big-endian in as few bytes as it needs, so the first 255 values take one byte. Rows written before
 * codes existed (schema version 2) keep their text, and every read takes a value through nameSql(), which gives
 * both back as text, so an upgraded file is read without rewriting a row.
 */
export const NAMED_COLUMNS = ['service', 'level', 'source', 'dataset'] as const;
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
 * digits, or `=` and the text of an older row. Reads that return rows look their names up in JavaScript: the lookup
 * in SQL (nameSql) cost about 0.5 µs per column of each row returned, and a page of 100 rows has 400 of them.
 */
export function nameKeySql(column: NamedColumn): string {
  return `(CASE WHEN typeof(e.${column}) = 'blob' THEN hex(e.${column}) ELSE '=' || e.${column} END)`;
}

/**
 * The reading side of `names`: the text of a key read through nameKeySql. A code always names the same value (names
 * are never deleted or renumbered, stored-names above), so what a read looked up holds for every later read; a
 * code the table does not hold gives null, as nameSql does.
 */
export class NameReader {
  private readonly names = new Map<string, string>();
  private readonly find: Database.Statement;

  constructor(db: Database.Database) {
    this.find = db.prepare(`SELECT name FROM names WHERE code = unhex(?)`).pluck();
  }

  name(key: string | null): string | null {
    if (key === null) return null;
    if (key.charCodeAt(0) === OLDER_TEXT) return key.slice(1);
    const known = this.names.get(key);
    if (known !== undefined) return known;
    const name = this.find.get(key) as string | undefined;
    if (name === undefined) return null;
    // A sender can make many names (a file path per event): past the bound, they are read again.
    if (this.names.size >= CACHE_LIMIT) this.names.clear();
    this.names.set(key, name);
    return name;
  }
}

/** `=`: the mark nameKeySql puts before the text of an older row (hex digits never begin with it). */
const OLDER_TEXT = 0x3d;

/**
 * SQL for "the named column holds the text bound to both `?`": its code (looked up once per statement) or, in older
 * rows, the text itself. A name not in the table gives an empty blob, which no row holds, rather than NULL, so the
 * test is never NULL where the column is not (NOT keeps the rows it did not match).
 */
export function codeEqualsSql(column: NamedColumn): string {
  return `e.${column} IN (?, coalesce((SELECT code FROM names WHERE name = ?), x''))`;
}

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

  constructor(db: Database.Database) {
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
    if (this.codes.size >= CACHE_LIMIT) this.codes.clear();
    this.codes.set(value, code);
    return code;
  }

  /** After each write transaction: another collector may add names before the next. */
  transactionEnded(): void {
    this.stored = undefined;
  }

  forget(): void {
    this.codes.clear();
  }
}
