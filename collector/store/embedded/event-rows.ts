import type { Hit } from '../../../protocol/event.js';
import { toHit } from '../ecs-document.js';
import type { SortKey } from '../log-store.js';
import { sqlMsOf } from './event-key.js';
import { nameSql } from './stored-names.js';
import { MESSAGE_SQL, restoreDocument, type DocumentColumns } from './stored-document.js';

/** The columns every event read selects, in this order (alias `e`). */
export const EVENT_COLUMNS =
  `${sqlMsOf('e.rowid')} AS ms, e.id, ${nameSql('host')} AS host, ${nameSql('service')} AS service,` +
  ` ${nameSql('level')} AS level, ${nameSql('source')} AS source, e.off, ${MESSAGE_SQL} AS message, e.doc, e.ingested,` +
  ` ${nameSql('dataset')} AS dataset`;

/** One event row as read. */
export type EventRow = DocumentColumns;

/** The row back in the API's hit shape: the document completed from its columns (stored-document.ts). */
export function rowToHit(row: EventRow): Hit {
  return toHit(row.id, restoreDocument(row));
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

/** Sorts rows into the search order. */
export function sortRows(rows: EventRow[], order: 'asc' | 'desc'): EventRow[] {
  const sign = order === 'asc' ? 1 : -1;
  return rows.sort((a, b) => sign * compareKeys(rowKey(a), rowKey(b)));
}
