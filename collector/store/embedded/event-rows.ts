import type Database from 'better-sqlite3';
import type { Hit, Level } from '../../../protocol/event.js';
import { toHit } from '../ecs-document.js';
import type { SortKey } from '../log-store.js';
import { CanonicalTimeWriter } from '../../ingest/parse/canonical-time.js';
import { idColumnsSql, IdReader } from './event-ids.js';
import type { KeyLayout } from './event-key.js';
import { messageElidedSql, messageTextSql } from './message-blocks.js';
import { namesKeySql, NameReader } from './stored-names.js';
import { restoreDocument, storedMessage, type DocumentColumns } from './stored-document.js';

/**
 * The columns every event read of a file keyed by `keys` selects, in this order (alias `e`), read as arrays by
 * EventRowReader: first the row's millisecond. The id comes as
 * two values (idColumnsSql: the text, or a shipper's id as its prefix's code and offset). The five names
 * come as one key looked up in JavaScript (namesKeySql), and a message kept without its time comes as the rest with
 * a flag: the reader puts the time back from the key (storedMessage), which it renders for the hit's time anyway.
 */
export function eventColumns(keys: KeyLayout): string {
  return [
    keys.sqlMs('e'),
    idColumnsSql('e.id'),
    namesKeySql(),
    'e.off',
    messageTextSql('e.message'),
    messageElidedSql('e.message'),
    'e.doc',
    keys.sqlIngested('e'),
  ].join(', ');
}

/** Values eventColumns() selects: a statement may select more after them (KeyedRow's `n`). */
export const EVENT_COLUMN_COUNT = 9;

/** One event row as read, with the key's time as toISOString() writes it. */
export type EventRow = DocumentColumns & { time: string };

/**
 * Turns the arrays of a statement selecting eventColumns() into rows. better-sqlite3 builds a row object property by
 * property, which cost 1.6 µs per row of the 12 columns read then; an array and one object literal cost a fraction of it.
 */
export class EventRowReader {
  /** The reader's lookups of `names`, which its other statements share (a rare level's host keys). */
  readonly names: NameReader;
  /** The reader's lookups of id prefixes, which eventRow() shares to find a row by its id. */
  readonly ids: IdReader;
  private readonly times = new CanonicalTimeWriter();

  constructor(db: Database.Database) {
    this.names = new NameReader(db);
    this.ids = new IdReader(db);
  }

  /** The rows `statement` (selecting eventColumns() first) gives for `params`. */
  all(statement: Database.Statement, params: unknown[]): EventRow[] {
    const values = statement.raw(true).all(...params) as unknown[][];
    const rows = new Array<EventRow>(values.length);
    for (let i = 0; i < values.length; i++) rows[i] = this.row(values[i]!);
    return rows;
  }

  /** One row from the values of eventColumns(). */
  row(v: unknown[]): EventRow {
    const ms = v[0] as number;
    const time = this.times.text(ms);
    const [host, service, level, source, dataset] = this.names.rowNames(v[3] as string);
    return {
      ms,
      time,
      id: this.ids.text(v[1], v[2]),
      host,
      service,
      level,
      source,
      off: v[4] as number | null,
      message: storedMessage(v[5] as string, v[6] === 1, time),
      doc: v[7] as string,
      ingested: v[8] as number,
      dataset,
    };
  }
}

/**
 * The row back in the API's hit shape: the document completed from its columns (stored-document.ts). A plain line's
 * row keeps the document `{}` (storedJson), and its hit is its columns as they are: what toHit(restoreDocument())
 * gives, without parsing and rebuilding a document per hit.
 */
export function rowToHit(row: EventRow): Hit {
  if (row.doc !== '{}') return toHit(row.id, restoreDocument(row));
  return {
    id: row.id,
    timestamp: row.time,
    host: row.host,
    service: row.service,
    level: row.level as Level | null,
    source: row.source,
    offset: row.off,
    message: row.message,
    fields: {},
  };
}

/** The position of a row in the search order: the same fields, in the same order, as Elasticsearch's sort. */
export function rowKey(row: EventRow): SortKey {
  return [row.ms, row.host, row.source, row.off, row.id];
}

/** Compares sort keys ascending; a missing value sorts first (as `missing: _first` asc / `_last` desc). */
export function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Puts rows read in key order into the search order: only the events of one key unit (a millisecond, or a second:
 * event-key.ts) can be out of it, so only such runs are sorted. Sorting the whole page compared ~700 pairs of keys
 * built for each comparison (2 µs per row).
 */
export function sortRows(rows: EventRow[], order: 'asc' | 'desc', keys: KeyLayout): EventRow[] {
  const sign = order === 'asc' ? 1 : -1;
  for (let start = 0; start < rows.length;) {
    const unit = keys.unitOf(rows[start]!.ms);
    let end = start + 1;
    while (end < rows.length && keys.unitOf(rows[end]!.ms) === unit) end++;
    if (end - start > 1) {
      // Events of one second mostly differ in their millisecond: the keys are built only for those that do not.
      const run = rows.slice(start, end).sort((a, b) => sign * (a.ms - b.ms || compareKeys(rowKey(a), rowKey(b))));
      for (let i = 0; i < run.length; i++) rows[start + i] = run[i]!;
    }
    start = end;
  }
  return rows;
}
