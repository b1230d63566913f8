import type { StoredEvent } from '../ecs-document.js';
import { storedDocument } from './es-document.js';
import { eventSort, searchEvents, type EsReadContext } from './es-read.js';

/**
 * `/events/{id}` on Elasticsearch: the whole stored document of one id across the daily indices. Ids are unique per
 * index; should one be in two days, the earliest in the search order is the one, as for the context anchor.
 */
export async function esEvent(ctx: EsReadContext, id: string): Promise<StoredEvent | null> {
  const res = await searchEvents<Record<string, unknown>>(ctx, {
    size: 1,
    track_total_hits: false,
    sort: eventSort('asc'),
    query: { bool: { filter: [{ ids: { values: [id] } }] } },
  });
  const hit = res.hits.hits[0];
  return hit?._source ? { id: hit._id!, doc: storedDocument(hit._source) } : null;
}
