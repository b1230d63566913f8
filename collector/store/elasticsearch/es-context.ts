import type { estypes } from '@elastic/elasticsearch';
import { toHit, type EcsDocument } from '../ecs-document.js';
import type { ContextRequest, ContextResult } from '../read-model.js';
import { eventSort, SORT_LENGTH, type EsReadContext, searchEvents } from './es-read.js';
import { searchPattern } from './index-templates.js';

type Hit = estypes.SearchHit<EcsDocument>;

/** How far each side first looks from the anchor: a minute, an hour, then the anchor's whole day, then every day. */
const STEPS_MS = [60_000, 3_600_000];

/**
 * `/events/{id}/context` on Elasticsearch: the anchor's sort key splits the timeline, and two search_after reads
 * walk away from it in both directions. Events at the anchor's very millisecond fall on the side the search order
 * puts them (host, source, offset, id), the same order `/search` shows.
 *
 * Each side looks close first: within a minute of the anchor on the anchor's day, then an hour, then the whole day,
 * then every day, until one look finds all it asked for. The order is by time first, so when a nearer look finds
 * enough, those are the nearest events of all. A search_after from the middle of a day's shard without a time bound
 * made the shard walk towards the anchor from the far end of its day: a week of 10,000,000 events made the context
 * four times slower than a week of 1,000,000 (issue 19), and the time bound keeps it to the events near the anchor.
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
    const within = (ms: number) => {
      const edge = new Date(order === 'asc' ? time + ms : time - ms).toISOString();
      return { range: { '@timestamp': order === 'asc' ? { lte: edge } : { gte: edge } } };
    };
    if (request.windowMs !== undefined) filter.push(within(request.windowMs));
    const looks: [estypes.QueryDslQueryContainer[], string | undefined][] = [
      ...STEPS_MS.filter((ms) => request.windowMs === undefined || ms < request.windowMs).map(
        (ms): [estypes.QueryDslQueryContainer[], string] => [[...filter, within(ms)], anchor._index],
      ),
      [filter, anchor._index],
      [filter, undefined],
    ];
    let hits: Hit[] = [];
    for (const [look, index] of looks) {
      hits = (await read(ctx, { bool: { filter: look } }, order, size, key, index)).hits.hits;
      if (hits.length === size) break;
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
