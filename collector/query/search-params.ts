import { CollectorError } from '../collector-error.js';
import type { SearchRequest } from '../store/log-store.js';
import { and, anyOf } from './ast.js';
import { decodeCursor } from './cursor.js';
import { parseQuery } from './parse-query.js';
import { parseTimeExpression } from './time-expression.js';

/** The query string as Express hands it over: repeated keys become arrays. */
export type RawParams = Record<string, unknown>;

const DEFAULT_WINDOW = 'now-15m';
export const MAX_LIMIT = 10_000;

function one(params: RawParams, name: string): string | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  throw new CollectorError('BAD_PARAMETER', `"${name}" may be given once.`, 400, { parameter: name });
}

function many(params: RawParams, name: string): string[] {
  const v = params[name];
  if (v === undefined) return [];
  const values = Array.isArray(v) ? v : [v];
  if (!values.every((x): x is string => typeof x === 'string')) {
    throw new CollectorError('BAD_PARAMETER', `"${name}" must be plain text.`, 400, { parameter: name });
  }
  return values.flatMap((x) => x.split(',')).filter((x) => x !== '');
}

/** Turns `/search` parameters (CONTRACT §5) into a store request: the query, filters, window, order and cursor. */
export function parseSearchParams(params: RawParams, now: Date = new Date()): SearchRequest {
  const from = parseTimeExpression(one(params, 'from') ?? DEFAULT_WINDOW, now, 'from');
  const to = parseTimeExpression(one(params, 'to') ?? 'now', now, 'to');
  if (from > to) throw new CollectorError('BAD_PARAMETER', '"from" is after "to".', 400, { parameter: 'from' });
  const limitText = one(params, 'limit') ?? '100';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new CollectorError('BAD_PARAMETER', `"limit" must be a whole number from 1 to ${MAX_LIMIT}.`, 400, {
      parameter: 'limit',
    });
  }
  const order = one(params, 'order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') {
    throw new CollectorError('BAD_PARAMETER', '"order" must be asc or desc.', 400, { parameter: 'order' });
  }
  const cursor = one(params, 'cursor');
  const query = and(
    parseQuery(one(params, 'q') ?? ''),
    anyOf('host.name', many(params, 'host')),
    anyOf('service.name', many(params, 'service')),
    anyOf(
      'log.level',
      many(params, 'level').map((l) => l.toLowerCase()),
    ),
  );
  return { query, from, to, limit, order, ...(cursor ? { after: decodeCursor(cursor, order) } : {}) };
}
