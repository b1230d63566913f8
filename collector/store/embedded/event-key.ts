import type Database from 'better-sqlite3';
import { ACCEPTED_TIMES } from '../field-catalogue.js';

/**
 * The embedded store's row key: `rowid = (unit << 20) + n`, where `unit` is the event's time in whole key units (a
 * millisecond in files made before schema 10, a second since) and `n` numbers the events of one unit (up to 2^20 of
 * them) in write order. So rowid order is time order between units: FTS5 and every index walk rowids natively, which
 * turns "newest 100 matching" into a walk that stops after 100 rows instead of a sort of every match (measured in
 * issue 8: 800 ms → 0.2 ms for a word in every line of 1M events). Within a unit the exact order (time, then host,
 * source, offset, id) is applied when reading. Keys exceed 2^53, so JavaScript never computes them as numbers: SQL
 * does, from the unit and `n`, or a bigint.
 *
 * Why seconds: FTS5 keeps each word's list of events as rowid steps (varints), and a millisecond key made each step
 * 4-6 bytes. With the second as the unit the full-text index of 10M growth-set events over 7 days took 19.6 instead
 * of 47.4 bytes per event (bench/fts-docids.ts), and the key is an 8-byte instead of a 9-byte varint in the table and
 * each index. The millisecond within the second is then kept in the row (`events.msx`, 0..999).
 */
export const KEY_BITS = 20;

/**
 * The window every read is clamped to: one millisecond beyond the accepted event times on each side, where no event
 * can be. Keys wrap 64 bits past about ±2^43 ms (years 1691 and 2248), and a wrapped key once made a year-2584 event
 * collide with real ones; within this window the key arithmetic of every read and write stays exact.
 */
export const KEY_MIN_MS = ACCEPTED_TIMES.minMs - 1;
export const KEY_MAX_MS = ACCEPTED_TIMES.maxMs + 1;
if (KEY_MIN_MS <= -(2 ** (63 - KEY_BITS)) || KEY_MAX_MS + 1 >= 2 ** (63 - KEY_BITS)) {
  throw new Error("ACCEPTED_TIMES do not fit the embedded store's row key.");
}

/** Events one key unit can hold. */
export const KEYS_PER_UNIT = 2 ** KEY_BITS;

/**
 * How one file keys its rows: by the millisecond or by the second (see above). Every statement over `events` is built
 * from the layout of the connection's file (keyLayout), so both kinds of file are read and written by the same code.
 */
export class KeyLayout {
  /** Whether rows keep their millisecond within the unit in `events.msx` (any unit longer than a millisecond). */
  readonly msx: boolean;

  /** A bound `?` for each of windowParams(). */
  private readonly placeholders: readonly string[];

  /** `unitMs`: milliseconds per key unit, 1 or 1000. */
  constructor(readonly unitMs: number) {
    this.msx = unitMs > 1;
    this.placeholders = this.windowParams(0, 0).map(() => '?');
  }

  /** The unit holding the millisecond `ms` (floored: KEY_MIN_MS is -1). */
  unitOf(ms: number): number {
    return Math.floor(ms / this.unitMs);
  }

  /** The first millisecond of the unit holding `ms`. */
  unitStart(ms: number): number {
    return this.unitOf(ms) * this.unitMs;
  }

  /** The millisecond of `ms` within its unit, the row's `msx`. */
  msWithin(ms: number): number {
    return ms - this.unitStart(ms);
  }

  /** The key of the event at `ms` numbered `n` in its unit, exact in a bigint (a number would round it). */
  keyOf(ms: number, n: number): bigint {
    return this.firstKey(this.unitOf(ms)) | BigInt(n);
  }

  /** SQL for the key of the unit `unit` and number `n` (SQL expressions). */
  sqlKey(unit: string, n: string): string {
    return `((${unit}) << ${KEY_BITS}) | ${n}`;
  }

  /** SQL for "`column` holds a key of the units `first` to `last`" (inclusive; SQL expressions). */
  sqlUnits(column: string, first: string, last: string): string {
    return `${column} BETWEEN ${sqlFirstKey(first)} AND ${sqlLastKey(last)}`;
  }

  /**
   * SQL for the unit of the millisecond `ms` (an expression read twice, so a column rather than a `?`). SQLite's
   * integer division truncates toward zero, so a negative remainder steps one unit down (floor, as unitOf).
   */
  sqlUnitOf(ms: string): string {
    return this.msx ? `((${ms}) / ${this.unitMs} - ((${ms}) % ${this.unitMs} < 0))` : `(${ms})`;
  }

  /** SQL for the first millisecond of the unit of a key (e.g. `max(rowid)`). */
  sqlUnitStartMs(key: string): string {
    return this.msx ? `((${key}) >> ${KEY_BITS}) * ${this.unitMs}` : `((${key}) >> ${KEY_BITS})`;
  }

  /** SQL for the millisecond of the events row `row` (a table name or alias). */
  sqlMs(row: string): string {
    return this.msx ? `(${this.sqlUnitStartMs(`${row}.rowid`)} + ${row}.msx)` : `(${row}.rowid >> ${KEY_BITS})`;
  }

  /**
   * SQL for the ingest time (epoch ms) of the events row `row`. Files keyed by the second keep `ingested` as the
   * milliseconds from the event's time to its ingest: a live event's is a few seconds, a 2-3 byte integer where the
   * epoch time takes 6 (an event of the growth benchmark's past week, 4).
   */
  sqlIngested(row: string): string {
    return this.msx ? `(${this.sqlMs(row)} + ${row}.ingested)` : `${row}.ingested`;
  }

  /** What `ingested` keeps for an event at `ms` ingested at `ingestedMs` (sqlIngested() reads it back). */
  ingestedValue(ms: number, ingestedMs: number): number {
    return this.msx ? ingestedMs - ms : ingestedMs;
  }

  /**
   * SQL for "the row keyed by `column` (a rowid, or the FTS5 rowid joined to it) lies in a window": `values` are SQL
   * for the window's windowParams() (bound `?` by default; sqlWindowValues() for columns). A key range covers whole
   * units, so the rows of a window's edge units are also checked on their millisecond, `ms` (SQL, e.g. sqlMs('e')).
   * The OR tests the key first: `ms` is read for the rows of the edge units only, so an index walk that counts looks
   * no other row up for it, and FTS5 can count from its own index (embedded-search.ts).
   */
  window(column: string, ms: string, values: readonly string[] = this.placeholders): string {
    const [first, last, wholeFirst, wholeLast, fromMs, toMs] = values;
    const keys = `${column} BETWEEN ${first} AND ${last}`;
    if (!this.msx) return keys;
    return `${keys} AND (${column} BETWEEN ${wholeFirst} AND ${wholeLast} OR ${ms} BETWEEN ${fromMs} AND ${toMs})`;
  }

  /**
   * The values window() takes for the milliseconds `fromMs` to `toMs` (inclusive): the first and last key of the
   * units holding the ends, and with second keys those of the units wholly inside, and the ends themselves. Keys as
   * bigints: a millisecond key exceeds 2^53.
   */
  windowParams(fromMs: number, toMs: number): (bigint | number)[] {
    const keys = [this.firstKey(this.unitOf(fromMs)), this.lastKey(this.unitOf(toMs))];
    if (!this.msx) return keys;
    // The units wholly inside the window: an empty range (first > last) when it lies within one or two units.
    const first = Math.ceil(fromMs / this.unitMs);
    const last = Math.floor((toMs + 1) / this.unitMs) - 1;
    return [...keys, this.firstKey(first), this.lastKey(last), fromMs, toMs];
  }

  /**
   * windowParams() as SQL, for a window given as SQL expressions (columns: each is read more than once). A statement
   * that checks many rows against a window computes these once for it (the guided walk's minutes, in a materialized
   * table), so that the check of each row only compares: written into the check, the arithmetic of the key bounds
   * would run again for every row.
   */
  sqlWindowValues(fromMs: string, toMs: string): string[] {
    const u = (ms: string) => this.sqlUnitOf(ms);
    const keys = [sqlFirstKey(u(fromMs)), sqlLastKey(u(toMs))];
    if (!this.msx) return keys;
    return [
      ...keys,
      sqlFirstKey(u(`${fromMs} + ${this.unitMs - 1}`)),
      sqlLastKey(`${u(`${toMs} + 1`)} - 1`),
      fromMs,
      toMs,
    ];
  }

  /** The first key of a unit. */
  private firstKey(unit: number): bigint {
    return BigInt(unit) << BigInt(KEY_BITS);
  }

  /** The last key of a unit. */
  private lastKey(unit: number): bigint {
    return ((BigInt(unit) + 1n) << BigInt(KEY_BITS)) - 1n;
  }
}

/** SQL for the first key of the unit `unit` (a SQL expression): firstKey() in SQL. */
function sqlFirstKey(unit: string): string {
  return `((${unit}) << ${KEY_BITS})`;
}

/** SQL for the last key of the unit `unit`: lastKey() in SQL. */
function sqlLastKey(unit: string): string {
  return `(((${unit}) + 1) << ${KEY_BITS}) - 1`;
}

/** The layout of files made before schema 10. */
export const MILLISECOND_KEYS = new KeyLayout(1);
/** The layout of files made at schema 10 on. */
export const SECOND_KEYS = new KeyLayout(1000);

/**
 * The layout of the connection's file: by the second when its `events` table has `msx`, which only files made at
 * schema 10 on declare (an upgraded file keeps its millisecond keys and gets no column). Read once per connection.
 */
export function keyLayout(db: Database.Database): KeyLayout {
  const columns = db.prepare(`SELECT name FROM pragma_table_info('events')`).pluck().all() as string[];
  return columns.includes('msx') ? SECOND_KEYS : MILLISECOND_KEYS;
}

export const DAY_MS = 86_400_000;
