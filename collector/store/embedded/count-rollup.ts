import type { QueryNode } from '../../query/ast.js';
import { COUNTED_FIELDS, MINUTE_MS, segments as slotSegments, type Segment } from '../count-slots.js';
import { fieldFacts, termValue } from '../field-catalogue.js';

export type { Segment };

/**
 * Event counts per 15-minute and per 1-minute slot by (host, service, level), kept by the writer in
 * `event_counts`. Totals, histograms and facets of queries that only filter on those fields read the rollup
 * instead of every event; the partial minutes at a window's edges are counted from the events themselves, so the
 * answers stay exact.
 */
export { MINUTE_MS };

/**
 * The fields the rollup counts by, and its columns for them (named as the events' own columns, field-catalogue.ts).
 * A missing host/service/level is stored as '' in the rollup (its key columns cannot be NULL).
 */
export const ROLLUP_COLUMNS: ReadonlyMap<string, string> = new Map(
  COUNTED_FIELDS.map((name) => {
    const place = fieldFacts(name).embedded;
    if (place.kind !== 'column') throw new Error(`The rollup counts by ${name}, which has no column.`);
    return [name, place.column];
  }),
);

/** The rollup WHERE of a query, or null when the query looks at anything the rollup does not keep. */
export function rollupWhere(node: QueryNode, params: unknown[]): string | null {
  switch (node.kind) {
    case 'all':
      return '1';
    case 'and':
    case 'or': {
      const parts: string[] = [];
      for (const child of node.children) {
        const sql = rollupWhere(child, params);
        if (sql === null) return null;
        parts.push(`(${sql})`);
      }
      if (parts.length === 0) return node.kind === 'and' ? '1' : '0';
      return parts.join(node.kind === 'and' ? ' AND ' : ' OR ');
    }
    case 'not': {
      const sql = rollupWhere(node.child, params);
      return sql === null ? null : `NOT (${sql})`;
    }
    case 'term': {
      const column = node.field === null ? undefined : ROLLUP_COLUMNS.get(node.field);
      if (!column || node.wildcard) return null;
      params.push(termValue(fieldFacts(node.field!), node));
      return `${column} = ?`;
    }
    case 'exists': {
      const column = ROLLUP_COLUMNS.get(node.field);
      return column ? `${column} <> ''` : null;
    }
    default:
      return null;
  }
}

/** Rollup resolutions in minutes, coarsest first: a day of 15-minute slots is 96 rows per (host, service, level). */
export const ROLLUP_UNITS = [15, 1] as const;

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
