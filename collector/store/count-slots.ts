import type { QueryNode } from '../query/ast.js';

/**
 * Slots of event counts, shared by both stores' count rollups (embedded/count-rollup.ts, elasticsearch/es-counts.ts):
 * which queries counts can answer, and how a window splits into whole slots and the events left at its edges.
 */
export const MINUTE_MS = 60_000;

/** The fields event counts are kept by: a query that filters on nothing else can be answered from the counts. */
export const COUNTED_FIELDS: readonly string[] = ['host.name', 'service.name', 'log.level'];

/** Whether counts by COUNTED_FIELDS answer `node` exactly: only exact terms and `exists` on those fields. */
export function countsAnswer(node: QueryNode): boolean {
  switch (node.kind) {
    case 'all':
      return true;
    case 'and':
    case 'or':
      return node.children.every(countsAnswer);
    case 'not':
      return countsAnswer(node.child);
    case 'term':
      return node.field !== null && !node.wildcard && COUNTED_FIELDS.includes(node.field);
    case 'exists':
      return COUNTED_FIELDS.includes(node.field);
    default:
      return false;
  }
}

/** One piece of a window: whole slots of a unit (in minutes), or (unit null) a range read from the events. */
export interface Segment {
  unit: number | null;
  /** Slots [first, last] of the unit (slot = floor(ms / unit ms)); for events, the ms range (inclusive). */
  first: number;
  last: number;
}

/**
 * Splits [fromMs, toMs] (inclusive) into whole slots of the coarsest usable unit, finer units at its edges, and
 * the events themselves for the partial slots left. `units` lists the usable units in minutes, coarsest first, each
 * a multiple of the next.
 */
export function segments(fromMs: number, toMs: number, units: readonly number[]): Segment[] {
  if (fromMs > toMs) return [];
  const [unit, ...finer] = units;
  if (unit === undefined) return [{ unit: null, first: fromMs, last: toMs }];
  const size = unit * MINUTE_MS;
  const first = Math.ceil(fromMs / size);
  const last = Math.floor((toMs + 1) / size) - 1;
  if (first > last) return segments(fromMs, toMs, finer);
  return [
    ...segments(fromMs, first * size - 1, finer),
    { unit, first, last },
    ...segments((last + 1) * size, toMs, finer),
  ];
}
