import type { estypes } from '@elastic/elasticsearch';
import { compileElasticsearch } from './compile-elasticsearch.js';
import type { QueryNode } from '../../query/ast.js';
import type { TailCountRequest, TailEvent, TailRequest } from '../read-model.js';
import { hitOf } from './es-document.js';
import { shardsStarting } from './es-errors.js';
import { guardRead, type EsReadContext, searchEvents } from './es-read.js';
import { searchPattern } from './index-templates.js';

/**
 * `/tail` on Elasticsearch: matching events by ingest time (`event.ingested`, then id), oldest first. While the first
 * write of a day creates its index, that index answers "no shard available": it holds nothing visible yet, so the
 * tail reads nothing this poll instead of failing it (which showed an error in every open tail once a day).
 */
export async function esTail(ctx: EsReadContext, request: TailRequest): Promise<TailEvent[]> {
  const response = await whileShardsStart(null, () =>
    searchEvents<Record<string, unknown>>(ctx, {
      size: request.limit,
      track_total_hits: false,
      sort: [{ 'event.ingested': { order: 'asc' } }, { 'event.id': { order: 'asc' } }],
      ...(request.after ? { search_after: [request.after.ingestedMs, request.after.id] } : {}),
      query: ingestedWithin(request.query, request.sinceMs),
    }),
  );
  if (!response) return [];
  return response.hits.hits.map((h) => ({
    hit: hitOf(h),
    position: { ingestedMs: Number(h.sort?.[0]), id: String(h.sort?.[1]) },
  }));
}

/** Counts matching events ingested in a span; answered from the index structures, without reading documents. */
export async function esTailCount(ctx: EsReadContext, request: TailCountRequest): Promise<number> {
  const response = await whileShardsStart({ count: 0 }, () =>
    guardRead(ctx, (t) =>
      ctx.client.count(
        {
          index: searchPattern(ctx.indexPrefix),
          ignore_unavailable: true,
          allow_no_indices: true,
          query: ingestedWithin(request.query, request.sinceMs, request.untilMs),
        },
        { requestTimeout: t.requestTimeout },
      ),
    ),
  );
  return response.count;
}

/** Runs a tail read; `starting` is the answer when only shards that have not started yet failed. */
async function whileShardsStart<T, S>(starting: S, read: () => Promise<T>): Promise<T | S> {
  try {
    return await read();
  } catch (err) {
    if (shardsStarting(err)) return starting;
    throw err;
  }
}

function ingestedWithin(query: QueryNode, sinceMs: number, untilMs?: number): estypes.QueryDslQueryContainer {
  return {
    bool: {
      filter: [
        {
          range: {
            'event.ingested': {
              gte: sinceMs,
              ...(untilMs === undefined ? {} : { lte: untilMs }),
              format: 'epoch_millis',
            },
          },
        },
        compileElasticsearch(query) as estypes.QueryDslQueryContainer,
      ],
    },
  };
}
