import type { estypes } from '@elastic/elasticsearch';
import type { ContextRequest, ContextResult } from '../read-model.js';
import { hitOf } from './es-document.js';
import { eventSort, SORT_LENGTH, type EsReadContext, searchEvents } from './es-read.js';
import { searchPattern } from './index-templates.js';

type Hit = estypes.SearchHit<Record<string, unknown>>;

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
 *
 * Every look is bounded on the anchor's side too, at the anchor's own millisecond (kept, for the events that tie with
 * it; search_after drops those on the other side of the anchor). search_after alone does not narrow what the range
 * matches: with a bound only on the far side, the shard walked every event of the day from midnight up to the
 * anchor before it found the first one after it, because a day's events lie in the shard in about the order they
 * came. That grew with the day's density: 7.5 ms at 1,000,000 events against 18.8 ms at 10,000,000 (issue 19).
 */
export async function esContext(ctx: EsReadContext, request: ContextRequest): Promise<ContextResult | null> {
  const anchorRes = await read(ctx, { bool: { filter: [{ ids: { values: [request.id] } }] } }, 'asc', 1);
  const anchor = anchorRes.hits.hits[0];
  if (!anchor?.sort) return null;
  const key = anchor.sort.slice(0, SORT_LENGTH);
  // The anchor's millisecond as the index holds it (its sort key), not as its text reads.
  const time = typeof key[0] === 'number' ? key[0] : Date.parse(anchor._source!['@timestamp'] as string);
  const iso = (ms: number) => new Date(ms).toISOString();
  const side = async (order: 'asc' | 'desc', size: number) => {
    if (size === 0) return [];
    const filter: estypes.QueryDslQueryContainer[] = [];
    if (request.hosts.length > 0) filter.push({ terms: { 'host.name': [...request.hosts] } });
    // From the anchor's millisecond outwards, `ms` far at most.
    const within = (ms: number): estypes.QueryDslQueryContainer => ({
      range: {
        '@timestamp':
          order === 'asc'
            ? { gte: iso(time), ...(Number.isFinite(ms) ? { lte: iso(time + ms) } : {}) }
            : { lte: iso(time), ...(Number.isFinite(ms) ? { gte: iso(time - ms) } : {}) },
      },
    });
    const reach = request.windowMs ?? Infinity;
    const near = (ms: number) => [...filter, within(Math.min(ms, reach))];
    const looks: [estypes.QueryDslQueryContainer[], string | undefined][] = [
      ...STEPS_MS.filter((ms) => ms < reach).map((ms): [estypes.QueryDslQueryContainer[], string] => [
        near(ms),
        anchor._index,
      ]),
      [near(Infinity), anchor._index],
      [near(Infinity), undefined],
    ];
    let hits: Hit[] = [];
    for (const [look, index] of looks) {
      hits = (await read(ctx, { bool: { filter: look } }, order, size, key, index)).hits.hits;
      if (hits.length === size) break;
    }
    return hits.map(hitOf);
  };
  const [before, after] = await Promise.all([side('desc', request.before), side('asc', request.after)]);
  return { anchor: hitOf(anchor), before: before.reverse(), after };
}

function read(
  ctx: EsReadContext,
  query: estypes.QueryDslQueryContainer,
  order: 'asc' | 'desc',
  size: number,
  after?: estypes.SortResults,
  index: string = searchPattern(ctx.indexPrefix),
) {
  return searchEvents<Record<string, unknown>>(
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
