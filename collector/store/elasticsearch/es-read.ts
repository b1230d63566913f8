import { errors, type Client, type estypes } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { compileElasticsearch } from './compile-elasticsearch.js';
import type { QueryNode } from '../../query/ast.js';
import { QueryError, readCancelled } from '../../query/query-error.js';
import { guardEs, SHARD_STARTING } from './es-errors.js';
import { windowIndices } from './index-templates.js';

/** What every Elasticsearch read needs: the client, the index prefix, the timeout and a logger. */
export interface EsReadContext {
  client: Client;
  indexPrefix: string;
  searchTimeoutMs: number;
  logger: Logger;
}

/**
 * The order of every event listing: time, then file order (host, source, offset), then the unique id, so the order
 * is total and search_after never skips nor repeats an event.
 */
export function eventSort(order: 'asc' | 'desc'): estypes.SortCombinations[] {
  const missing = order === 'asc' ? '_first' : '_last';
  return [
    { '@timestamp': { order } },
    { 'host.name': { order, missing } },
    { 'log.file.path': { order, missing } },
    { 'log.offset': { order, missing } },
    { 'event.id': { order } },
  ];
}

/** The number of values in an eventSort key (a point-in-time search appends its own tie-breaker, dropped here). */
export const SORT_LENGTH = 5;

/** The bool filter of a query within a time window. */
export function eventQuery(query: QueryNode, from?: Date, to?: Date): estypes.QueryDslQueryContainer {
  const filter: estypes.QueryDslQueryContainer[] = [compileElasticsearch(query) as estypes.QueryDslQueryContainer];
  if (from || to) {
    filter.unshift({
      range: {
        '@timestamp': { ...(from ? { gte: from.toISOString() } : {}), ...(to ? { lte: to.toISOString() } : {}) },
      },
    });
  }
  return { bool: { filter } };
}

/**
 * Runs a read with the search timeout on both sides: Elasticsearch stops the search (`timeout`), and the HTTP call
 * is abandoned shortly after, which makes Elasticsearch cancel the search task. The asker's `signal` abandons it the
 * same way when they go away. A stopped search, a query
 * Elasticsearch finds too complex, and a malformed query become coded errors instead of 500s.
 */
export async function guardRead<
  T extends {
    timed_out?: boolean;
    _shards?: { failed: number; failures?: { reason?: { type?: string; reason?: string | null } }[] };
  },
>(
  ctx: EsReadContext,
  call: (timeout: { timeout: string; requestTimeout: number; signal: AbortSignal | undefined }) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const timeout = { timeout: `${ctx.searchTimeoutMs}ms`, requestTimeout: ctx.searchTimeoutMs + 2000, signal };
  const result = await guardEs(ctx.logger, async () => {
    try {
      return await call(timeout);
    } catch (err) {
      const coded = readError(err, ctx.searchTimeoutMs);
      // The original stays reachable, e.g. for telling an expired point in time from a bad query.
      throw coded ? Object.assign(coded, { cause: err }) : err;
    }
  });
  // Some daily indices failing (e.g. a field mapped differently) would silently drop their events from the answer.
  // A shard still starting (today's index, created by a write under way) holds no acknowledged event: not a failure.
  const failures = (result._shards?.failures ?? []).filter((f) => f.reason?.type !== SHARD_STARTING);
  if (result._shards && result._shards.failed > 0 && (failures.length > 0 || !result._shards.failures)) {
    const reason = failures[0]?.reason?.reason ?? 'a part of the store failed';
    throw new QueryError('QUERY_UNSUPPORTED', `The store refused the query: ${reason.slice(0, 300)}.`);
  }
  if (result.timed_out) {
    throw new QueryError('QUERY_TIMEOUT', `The query did not finish within ${ctx.searchTimeoutMs} ms.`);
  }
  return result;
}

/** The parts of a search request that vary; the index pattern, timeouts and missing-index tolerance are fixed. */
export type EventSearchBody = Omit<
  estypes.SearchRequest,
  'index' | 'ignore_unavailable' | 'allow_no_indices' | 'timeout'
>;

/**
 * Searches the event indices (never dead letters or heartbeats) under guardRead's timeout and error mapping. Every
 * read endpoint goes through here, so none can forget the timeout or reach another index. A read limited to a time
 * window gives it (`where`), so only that window's daily indices are searched; a read that knows its day names it.
 * A request passed as `where` brings its `signal` along.
 */
export function searchEvents<TDoc = unknown>(
  ctx: EsReadContext,
  body: EventSearchBody,
  where: ({ from?: Date; to?: Date } | { index: string }) & { signal?: AbortSignal } = {},
) {
  return guardRead(
    ctx,
    (t) =>
      ctx.client.search<TDoc>(
        {
          index: 'index' in where ? where.index : windowIndices(ctx.indexPrefix, where.from, where.to),
          ignore_unavailable: true,
          allow_no_indices: true,
          timeout: t.timeout,
          ...body,
        },
        { requestTimeout: t.requestTimeout, signal: t.signal },
      ),
    where.signal,
  );
}

function readError(err: unknown, timeoutMs: number): QueryError | undefined {
  if (err instanceof errors.RequestAbortedError) {
    return readCancelled();
  }
  if (err instanceof errors.TimeoutError) {
    return new QueryError('QUERY_TIMEOUT', `The query did not finish within ${timeoutMs} ms.`);
  }
  if (err instanceof errors.ResponseError && err.statusCode === 400) {
    const text = JSON.stringify(err.body ?? {});
    if (/too_complex_to_determinize|TooComplexToDeterminize|too many clauses|maxClauseCount/i.test(text)) {
      return new QueryError('QUERY_TOO_COMPLEX', 'The query is too complex for the store (regex or clause count).');
    }
    const reason = /"reason":"((?:[^"\\]|\\.)*)"/.exec(text)?.[1] ?? 'the store refused the query';
    return new QueryError('QUERY_UNSUPPORTED', `The store refused the query: ${reason.slice(0, 300)}.`);
  }
  return undefined;
}
