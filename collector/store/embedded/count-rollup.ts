import type Database from 'better-sqlite3';
import type { QueryNode } from '../../query/ast.js';
import { COUNTED_FIELDS, MINUTE_MS, segments as slotSegments, type Segment } from '../count-slots.js';
import { fieldFacts, termValue } from '../field-catalogue.js';

export type { Segment };

/**
 * Event counts per day, 15-minute and 1-minute slot by (host, service, level, source), kept by the writer in
 * `event_counts`. Totals, histograms and facets of queries that only filter on those fields read the rollup
 * instead of every event; the partial minutes at a window's edges are counted from the events themselves, so the
 * answers stay exact.
 */
export { MINUTE_MS };

/**
 * The file an event came from. Counted by this store's rollup only (the counts both stores keep are COUNTED_FIELDS):
 * the UI's front page shows its facet for every search, and over a week of 10M events that read every event.
 * A host ships a handful of files, each mostly of one service, so it adds few rows per slot.
 */
export const SOURCE_FIELD = 'log.file.path';

/**
 * The fields the rollup counts by, and its columns for them (named as the events' own columns, field-catalogue.ts).
 * A missing host/service/level/source is stored as '' in the rollup (its key columns cannot be NULL).
 */
export const ROLLUP_COLUMNS: ReadonlyMap<string, string> = new Map(
  [...COUNTED_FIELDS, SOURCE_FIELD].map((name) => {
    const place = fieldFacts(name).embedded;
    if (place.kind !== 'column') throw new Error(`The rollup counts by ${name}, which has no column.`);
    return [name, place.column];
  }),
);

/** The rollup column of a field, when the rollup rows of the window know its values (see rollupWhere). */
export function rollupColumn(field: string, sources = true): string | undefined {
  return !sources && field === SOURCE_FIELD ? undefined : ROLLUP_COLUMNS.get(field);
}

/**
 * The rollup WHERE of a query, or null when the query looks at anything the rollup does not keep. `sources` is
 * false when the rollup rows of the window may not know their events' source (rollup-sources.ts): then a query that
 * looks at the source is not answered from them.
 */
export function rollupWhere(node: QueryNode, params: unknown[], sources = true): string | null {
  const column = (field: string | null) => (field === null ? undefined : rollupColumn(field, sources));
  switch (node.kind) {
    case 'all':
      return '1';
    case 'and':
    case 'or': {
      const parts: string[] = [];
      for (const child of node.children) {
        const sql = rollupWhere(child, params, sources);
        if (sql === null) return null;
        parts.push(`(${sql})`);
      }
      if (parts.length === 0) return node.kind === 'and' ? '1' : '0';
      return parts.join(node.kind === 'and' ? ' AND ' : ' OR ');
    }
    case 'not': {
      const sql = rollupWhere(node.child, params, sources);
      return sql === null ? null : `NOT (${sql})`;
    }
    case 'term': {
      const name = column(node.field);
      if (!name || node.wildcard) return null;
      params.push(termValue(fieldFacts(node.field!), node));
      return `${name} = ?`;
    }
    case 'exists': {
      const name = column(node.field);
      return name ? `${name} <> ''` : null;
    }
    default:
      return null;
  }
}

/**
 * A rollup WHERE that holds for the key of every event the query matches (`upper`), or only for keys whose events all
 * match it (`upper` false), for a query the rollup cannot answer exactly: a filter it does not keep counts as "maybe"
 * (true for the upper bound, false for the lower), and NOT swaps the two. A missing value is '' in the rollup, so a
 * value term is exact only for a non-empty value, and `exists` has no upper bound (an empty value exists).
 */
export function rollupBound(node: QueryNode, params: unknown[], sources: boolean, upper: boolean): string {
  const maybe = upper ? '1' : '0';
  switch (node.kind) {
    case 'all':
      return '1';
    case 'and':
    case 'or': {
      const parts = node.children.map((child) => `(${rollupBound(child, params, sources, upper)})`);
      if (parts.length === 0) return node.kind === 'and' ? '1' : '0';
      return parts.join(node.kind === 'and' ? ' AND ' : ' OR ');
    }
    case 'not':
      return `NOT (${rollupBound(node.child, params, sources, !upper)})`;
    case 'term': {
      const column = node.field === null ? undefined : rollupColumn(node.field, sources);
      if (!column || node.wildcard) return maybe;
      const value = termValue(fieldFacts(node.field!), node);
      if (value === '') return maybe;
      params.push(value);
      return `${column} = ?`;
    }
    case 'exists': {
      const column = rollupColumn(node.field, sources);
      return column && !upper ? `${column} <> ''` : maybe;
    }
    default:
      return maybe;
  }
}

/**
 * Rollup resolutions in minutes, coarsest first, each a multiple of the next. A day of 15-minute slots is 96 rows per
 * (host, service, level, source): a facet over a week of 30 hosts summed ~80,000 of them (57-91 ms at 10M events);
 * in day slots it is ~900 rows (0.2 ms), with the finer units at the window's edges.
 */
export const ROLLUP_UNITS = [1440, 15, 1] as const;

/**
 * Splits [fromMs, toMs] (inclusive) into whole slots of the coarsest usable unit, finer units at its edges, and
 * the events themselves for the partial minutes left (count-slots.ts). `units` lists the usable units, coarsest first.
 */
export function segments(fromMs: number, toMs: number, units: readonly number[] = ROLLUP_UNITS): Segment[] {
  return slotSegments(fromMs, toMs, units);
}

/** The rollup units a histogram interval can use: those it is a whole multiple of. */
export function unitsFor(intervalMs: number): number[] {
  return ROLLUP_UNITS.filter((u) => intervalMs % (u * MINUTE_MS) === 0);
}

/**
 * `meta` key: the epoch ms from which every rollup row knows its events' source. A file upgraded from a rollup without
 * sources keeps its older rows with source '' (rebuilding them would read every event while the file opens); until
 * retention has removed them, a query that looks at the source reads the events of a window that starts before it.
 * Absent when every row knows.
 */
export const SOURCES_FROM_KEY = 'rollup_sources_from_ms';

/** Whether the rollup rows from `fromMs` on know their events' source (SOURCES_FROM_KEY). */
export function sourcesCounted(db: Database.Database, fromMs: number): boolean {
  const from = db.prepare(`SELECT value FROM meta WHERE key = ?`).pluck().get(SOURCES_FROM_KEY) as string | undefined;
  return from === undefined || fromMs >= Number(from);
}
