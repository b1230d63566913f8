import type { estypes } from '@elastic/elasticsearch';
import { toHit, type EcsDocument } from '../ecs-document.js';
import type { ContextRequest, ContextResult } from '../read-model.js';
import { eventSort, SORT_LENGTH, type EsReadContext, searchEvents } from './es-read.js';

/**
 * `/events/{id}/context` on Elasticsearch: the anchor's sort key splits the timeline, and two search_after reads
 * walk away from it in both directions. Events at the anchor's very millisecond fall on the side the search order
 * puts them (host, source, offset, id), the same order `/search` shows.
 */
export async function esContext(ctx: EsReadContext, request: ContextRequest): Promise<ContextResult | null> {
  const anchorRes = await read(ctx, { bool: { filter: [{ ids: { values: [request.id] } }] } }, 'asc', 1);
  const anchor = anchorRes.hits.hits[0];
  if (!anchor?.sort) return null;
  const key = anchor.sort.slice(0, SORT_LENGTH);
  const time = Date.parse(anchor._source!['@timestamp']);
  const side = (order: 'asc' | 'desc', size: number) => {
    if (size === 0) return Promise.resolve([]);
    const filter: estypes.QueryDslQueryContainer[] = [];
    if (request.hosts.length > 0) filter.push({ terms: { 'host.name': [...request.hosts] } });
    if (request.windowMs !== undefined) {
      const edge = new Date(order === 'asc' ? time + request.windowMs : time - request.windowMs).toISOString();
      filter.push({ range: { '@timestamp': order === 'asc' ? { lte: edge } : { gte: edge } } });
    }
    return read(ctx, { bool: { filter } }, order, size, key).then((r) =>
      r.hits.hits.map((h) => toHit(h._id!, h._source!)),
    );
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
) {
  return searchEvents<EcsDocument>(ctx, {
    size,
    track_total_hits: false,
    sort: eventSort(order),
    ...(after ? { search_after: after } : {}),
    query,
  });
}
