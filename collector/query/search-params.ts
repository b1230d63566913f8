import { CollectorError } from '../collector-error.js';
import type { SearchRequest } from '../store/log-store.js';
import type { EventFilter } from '../store/read-model.js';
import { and, anyOf } from './ast.js';
import { decodeCursor } from './cursor.js';
import { parseQuery } from './parse-query.js';
import { parseTimeExpression } from './time-expression.js';

/** The query string as Express hands it over: repeated keys become arrays. */
export type RawParams = Record<string, unknown>;

const DEFAULT_WINDOW = 'now-15m';
export const MAX_LIMIT = 10_000;

/** A parameter given at most once. */
export function one(params: RawParams, name: string): string | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  throw new CollectorError('BAD_PARAMETER', `"${name}" may be given once.`, 400, { parameter: name });
}

/** A repeatable parameter; `host=a,b` counts as two values. */
export function many(params: RawParams, name: string): string[] {
  const v = params[name];
  if (v === undefined) return [];
  const values = Array.isArray(v) ? v : [v];
  if (!values.every((x): x is string => typeof x === 'string')) {
    throw new CollectorError('BAD_PARAMETER', `"${name}" must be plain text.`, 400, { parameter: name });
  }
  return values.flatMap((x) => x.split(',')).filter((x) => x !== '');
}

/** A whole number parameter within bounds. */
export function integer(params: RawParams, name: string, fallback: number, min: number, max: number): number {
  const text = one(params, name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new CollectorError('BAD_PARAMETER', `"${name}" must be a whole number from ${min} to ${max}.`, 400, {
      parameter: name,
    });
  }
  return n;
}

/** The query (`q` with the `host`, `service`, `level` filters ANDed in), without a time window. */
export function parseQueryParams(params: RawParams) {
  return and(
    parseQuery(one(params, 'q') ?? ''),
    anyOf('host.name', many(params, 'host')),
    anyOf('service.name', many(params, 'service')),
    // Level values are folded to lower case by the compilers, as `level:ERROR` in `q` is (field-catalogue.ts).
    anyOf('log.level', many(params, 'level')),
  );
}

/** `q`, `host`, `service`, `level`, `from`, `to`: which events a read endpoint looks at. */
export function parseFilterParams(params: RawParams, now: Date = new Date()): EventFilter {
  const from = parseTimeExpression(one(params, 'from') ?? DEFAULT_WINDOW, now, 'from');
  const to = parseTimeExpression(one(params, 'to') ?? 'now', now, 'to');
  if (from > to) throw new CollectorError('BAD_PARAMETER', '"from" is after "to".', 400, { parameter: 'from' });
  return { query: parseQueryParams(params), from, to };
}

/** Turns `/search` parameters (see docs/api.md) into a store request: the query, filters, window, order and cursor. */
export function parseSearchParams(params: RawParams, now: Date = new Date()): SearchRequest {
  const filter = parseFilterParams(params, now);
  const limit = integer(params, 'limit', 100, 1, MAX_LIMIT);
  const order = one(params, 'order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') {
    throw new CollectorError('BAD_PARAMETER', '"order" must be asc or desc.', 400, { parameter: 'order' });
  }
  const cursor = one(params, 'cursor');
  const state = cursor ? decodeCursor(cursor, order) : undefined;
  return {
    ...filter,
    limit,
    order,
    ...(state ? { after: state.key } : {}),
    ...(state?.snapshot ? { snapshot: state.snapshot } : {}),
  };
}
