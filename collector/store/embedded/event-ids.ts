import type Database from 'better-sqlite3';
import { SHIPPER_ID_PREFIX_CHARS } from '../../../protocol/shipper-ids.js';

/**
 * Event ids as the embedded store keeps them (schema version 9). A shipper's id is a prefix shared by every line of
 * one file and the line's offset in base 36 (protocol/shipper-ids.ts): ~22 characters, held by the row and again by
 * the unique index `events_id`, ~40 of a row's ~160 bytes with the index. Such an id is kept as one INTEGER, the code
 * of its prefix in `id_prefixes` shifted left by OFFSET_BITS, plus the offset: 6–8 bytes. Any other id stays text.
 *
 * Duplicates are found on the stored value, so an id has one stored form whatever came before it: every id of the
 * shape is kept as a number, each other one as text, and the two never meet (a number never equals a text in
 * SQLite). Only files made since version 9 do it: their `id` column has no declared type, where `TEXT` would turn the
 * number back into text, and an upgraded file, whose older rows hold such ids as text, keeps storing text so that a
 * line sent again after the upgrade is still found as a duplicate (keepsCompactIds).
 */

/** Bits of the offset in a kept id: 1 TiB. A larger offset keeps its id as text. */
export const OFFSET_BITS = 40;
const OFFSET_MASK = 2 ** OFFSET_BITS - 1;
/** The largest base-36 tail below 2^40 has 8 digits. */
const TAIL_MAX_CHARS = 8;
const PREFIX = /^[A-Za-z0-9_-]+$/;
/** Base 36 as Number.prototype.toString(36) writes it: lower case, no leading zero. */
const TAIL = /^(?:0|[1-9a-z][0-9a-z]*)$/;

/**
 * How long a prefix outlives the newest event using it: a read that found the row just before retention removed it
 * still finds its prefix (IdReader looks it up in a statement of its own).
 */
const PREFIX_GRACE_MS = 3_600_000;

export const ID_PREFIXES_DDL = `CREATE TABLE IF NOT EXISTS id_prefixes (
  code INTEGER PRIMARY KEY AUTOINCREMENT,
  prefix TEXT NOT NULL UNIQUE,
  last INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS id_prefixes_last ON id_prefixes(last);`;

/** A shipper-shaped id's prefix and offset, or null for an id of any other shape (kept as text). */
export function shipperIdParts(id: string): { prefix: string; offset: number } | null {
  const tail = id.length - SHIPPER_ID_PREFIX_CHARS;
  if (tail < 1 || tail > TAIL_MAX_CHARS) return null;
  const prefix = id.slice(0, SHIPPER_ID_PREFIX_CHARS);
  const digits = id.slice(SHIPPER_ID_PREFIX_CHARS);
  if (!PREFIX.test(prefix) || !TAIL.test(digits)) return null;
  const offset = parseInt(digits, 36);
  return offset <= OFFSET_MASK ? { prefix, offset } : null;
}

/** The INTEGER a kept id is stored as. */
function keptId(code: number, offset: number): bigint {
  return (BigInt(code) << BigInt(OFFSET_BITS)) | BigInt(offset);
}

/** Whether the file keeps shipper-shaped ids as numbers: its `id` column has no declared type (files since version 9). */
export function keepsCompactIds(db: Database.Database): boolean {
  const columns = db.prepare(`PRAGMA table_info(events)`).all() as { name: string; type: string }[];
  return columns.find((c) => c.name === 'id')?.type === '';
}

/**
 * The two columns an event read selects for its id: the id itself when text, else the code of its prefix; then the
 * offset (IdReader.text). A kept id above 2^53 would not survive as a JavaScript number, its parts do.
 */
export function idColumnsSql(column: string): string {
  return `CASE WHEN typeof(${column}) = 'integer' THEN ${column} >> ${OFFSET_BITS} ELSE ${column} END, ${column} & ${OFFSET_MASK}`;
}

/** The id's text in SQL, for the orders and comparisons on it (tail, ties): the prefix and ls_base36 of the offset. */
export function idTextSql(column: string): string {
  return `CASE WHEN typeof(${column}) = 'integer'
    THEN (SELECT prefix FROM id_prefixes WHERE code = ${column} >> ${OFFSET_BITS}) || ls_base36(${column} & ${OFFSET_MASK})
    ELSE ${column} END`;
}

/** ls_base36 for idTextSql, on each connection that reads ids in SQL. */
export function registerIdFunctions(db: Database.Database): void {
  db.function('ls_base36', { deterministic: true }, (n: unknown) => Number(n).toString(36));
}

/** Prefixes a reader remembers; then it starts over. */
const PREFIX_CACHE_LIMIT = 65_536;

/** A read connection's view of kept ids: their text from idColumnsSql, and the stored value of a text to look up. */
export class IdReader {
  private readonly prefixes = new Map<number, string>();
  private readonly findPrefix: Database.Statement;
  private readonly findCode: Database.Statement;
  private readonly compact: boolean;

  constructor(db: Database.Database) {
    this.findPrefix = db.prepare(`SELECT prefix FROM id_prefixes WHERE code = ?`).pluck();
    this.findCode = db.prepare(`SELECT code FROM id_prefixes WHERE prefix = ?`).pluck();
    this.compact = keepsCompactIds(db);
  }

  /** The id's text from the two values of idColumnsSql. Codes are never reused (AUTOINCREMENT), so they stay cached. */
  text(idOrCode: unknown, offset: unknown): string {
    if (typeof idOrCode === 'string') return idOrCode;
    const code = Number(idOrCode);
    let prefix = this.prefixes.get(code);
    if (prefix === undefined) {
      prefix = this.findPrefix.get(code) as string | undefined;
      if (prefix === undefined) throw new Error(`The store file names an id prefix it does not hold (code ${code}).`);
      if (this.prefixes.size >= PREFIX_CACHE_LIMIT) this.prefixes.clear();
      this.prefixes.set(code, prefix);
    }
    return prefix + Number(offset).toString(36);
  }

  /** What a row holds for `id`, to find it by: its text, its INTEGER, or null when no row can hold it. */
  stored(id: string): string | bigint | null {
    const parts = this.compact ? shipperIdParts(id) : null;
    if (!parts) return id;
    const code = this.findCode.get(parts.prefix) as number | undefined;
    return code === undefined ? null : keptId(code, parts.offset);
  }
}

/**
 * The writer's side: the value to store for each id, with the prefixes' codes. A prefix row is looked up (or made)
 * once per write transaction and its latest event time raised at its end, never cached across transactions:
 * another collector on the same file may have expired it in between.
 */
export class IdWriter {
  private readonly compact: boolean;
  private readonly upsert: Database.Statement;
  private readonly raise: Database.Statement;
  private readonly expire: Database.Statement;
  /** This transaction's prefixes: code, the latest event time stored for it, and the latest written. */
  private readonly used = new Map<string, { code: number; last: number; stored: number }>();

  constructor(db: Database.Database) {
    this.compact = keepsCompactIds(db);
    this.upsert = db.prepare(
      `INSERT INTO id_prefixes(prefix, last) VALUES (?, ?)
       ON CONFLICT(prefix) DO UPDATE SET last = max(last, excluded.last) RETURNING code, last`,
    );
    this.raise = db.prepare(`UPDATE id_prefixes SET last = max(last, ?) WHERE code = ?`);
    this.expire = db.prepare(`DELETE FROM id_prefixes WHERE last < ?`);
  }

  /** The value to store for `id` of an event at `ms`, in the current write transaction. */
  value(id: string, ms: number): string | bigint {
    const parts = this.compact ? shipperIdParts(id) : null;
    if (!parts) return id;
    let entry = this.used.get(parts.prefix);
    if (!entry) {
      const row = this.upsert.get(parts.prefix, ms) as { code: number; last: number };
      entry = { code: row.code, last: row.last, stored: row.last };
      this.used.set(parts.prefix, entry);
    } else if (ms > entry.last) entry.last = ms;
    return keptId(entry.code, parts.offset);
  }

  /** Before the write transaction commits: each prefix's latest event time, for retention. */
  finish(): void {
    for (const entry of this.used.values()) if (entry.last > entry.stored) this.raise.run(entry.last, entry.code);
    this.used.clear();
  }

  /** Forgets this transaction's prefixes when it rolled back. */
  abandon(): void {
    this.used.clear();
  }

  /** Deletes the prefixes whose every event is past `cutoffMs` (with PREFIX_GRACE_MS for reads under way). */
  expireBefore(cutoffMs: number): void {
    if (this.compact) this.expire.run(cutoffMs - PREFIX_GRACE_MS);
  }
}
