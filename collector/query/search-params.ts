import type { FilterQuery } from '../../protocol/query-params.js';
import type { SearchQuery } from '../../protocol/search.js';
import { CollectorError } from '../collector-error.js';
import type { SearchRequest } from '../store/log-store.js';
import type { EventFilter } from '../store/read-model.js';
import { and, anyOf } from './ast.js';
import { decodeCursor } from './cursor.js';
import { parseQuery } from './parse-query.js';
import { parseTimeExpression } from './time-expression.js';

const DEFAULT_WINDOW = 'now-15m';

/** The query (`q` with the `host`, `service`, `level` filters ANDed in), without a time window. */
export function parseQueryParams(params: Omit<FilterQuery, 'from' | 'to'>) {
  return and(
    parseQuery(params.q ?? ''),
    anyOf('host.name', params.host),
    anyOf('service.name', params.service),
    // Level values are folded to lower case by the compilers, as `level:ERROR` in `q` is (field-catalogue.ts).
    anyOf('log.level', params.level),
  );
}

/** `q`, `host`, `service`, `level`, `from`, `to` (already shaped by their wire schema): the events a read looks at. */
export function parseFilterParams(params: FilterQuery, now: Date = new Date()): EventFilter {
  const from = parseTimeExpression(params.from ?? DEFAULT_WINDOW, now, 'from');
  const to = parseTimeExpression(params.to ?? 'now', now, 'to');
  if (from > to) throw new CollectorError('BAD_PARAMETER', '"from" is after "to".', 400, { parameter: 'from' });
  return { query: parseQueryParams(params), from, to };
}

/** Turns `/search` parameters into a store request: the query, filters, window, order and cursor. */
export function parseSearchParams(params: SearchQuery, now: Date = new Date()): SearchRequest {
  const filter = parseFilterParams(params, now);
  const state = params.cursor ? decodeCursor(params.cursor, params.order) : undefined;
  return {
    ...filter,
    limit: params.limit,
    order: params.order,
    ...(state ? { after: state.key } : {}),
    ...(state?.snapshot ? { snapshot: state.snapshot } : {}),
  };
}
