import type { estypes } from '@elastic/elasticsearch';
import { toHit, type EcsDocument } from '../ecs-document.js';
import type { ContextRequest, ContextResult } from '../read-model.js';
import { eventSort, SORT_LENGTH, type EsReadContext, searchEvents } from './es-read.js';
import { searchPattern } from './index-templates.js';

type Hit = estypes.SearchHit<EcsDocument>;

/**
 * `/events/{id}/context` on Elasticsearch: the anchor's sort key splits the timeline, and two search_after reads
 * walk away from it in both directions. Events at the anchor's very millisecond fall on the side the search order
 * puts them (host, source, offset, id), the same order `/search` shows.
 *
 * Each side reads the anchor's own day first and goes on to the other days only for what that day lacks: every other
 * day's events lie wholly before or after the whole of the anchor's day, so this is the same answer. Read across every
 * day at once, each side asked every day's shard for its nearest events, and a week of 10,000,000 events made the
 * context four times slower than a week of 1,000,000 (issue 19); a day's shard alone answers in the time a small one did.
 */
export async function esContext(ctx: EsReadContext, request: ContextRequest): Promise<ContextResult | null> {
  const anchorRes = await read(ctx, { bool: { filter: [{ ids: { values: [request.id] } }] } }, 'asc', 1);
  const anchor = anchorRes.hits.hits[0];
  if (!anchor?.sort) return null;
  const key = anchor.sort.slice(0, SORT_LENGTH);
  const time = Date.parse(anchor._source!['@timestamp']);
  const side = async (order: 'asc' | 'desc', size: number) => {
    if (size === 0) return [];
    const filter: estypes.QueryDslQueryContainer[] = [];
    if (request.hosts.length > 0) filter.push({ terms: { 'host.name': [...request.hosts] } });
    if (request.windowMs !== undefined) {
      const edge = new Date(order === 'asc' ? time + request.windowMs : time - request.windowMs).toISOString();
      filter.push({ range: { '@timestamp': order === 'asc' ? { lte: edge } : { gte: edge } } });
    }
    const hits: Hit[] = (await read(ctx, { bool: { filter } }, order, size, key, anchor._index)).hits.hits;
    if (hits.length < size) {
      const after = hits.at(-1)?.sort?.slice(0, SORT_LENGTH) ?? key;
      const rest = await read(ctx, { bool: { filter } }, order, size - hits.length, after);
      hits.push(...rest.hits.hits);
    }
    return hits.map((h) => toHit(h._id!, h._source!));
  };
  const [before, after] = await Promise.all([side('desc', request.before), side('asc', request.after)]);
  return { anchor: toHit(anchor._id!, anchor._source!), before: before.reverse(), after };
}

function read(
  ctx: EsReadContext,
  query: estypes.QueryDslQueryContainer,
  order: 'asc' | 'desc',
  size: number,
  after?: estypes.SortResults,
  index: string = searchPattern(ctx.indexPrefix),
) {
  return searchEvents<EcsDocument>(
    ctx,
    {
      size,
      track_total_hits: false,
      sort: eventSort(order),
      ...(after ? { search_after: after } : {}),
      query,
    },
    { index },
  );
}
