import { countsAnswer } from './count-slots.js';
import type { SearchRequest } from './log-store.js';

/**
 * A page's total of a query the event counts cannot answer (free text, other fields) is exact up to this many
 * matches, then `gte`. Counting every match of a word means visiting each one: at 10M events, "timeout" over the last
 * 24 h matched 402,757 events across two partial daily indices, and the page took 22 ms with them counted, 13 ms
 * without (bench/es-total-cost.ts). Past the bound, Elasticsearch stops counting and skips the matches that cannot
 * reach the page.
 */
export const SCAN_TOTAL_CAP = 10_000;

/**
 * How far a search counts its total exactly, on every store: up to `exactTotalUpTo` for queries on host, service and
 * level only (both stores keep counts by those) and for callers that need the number itself (`exactTotal`: alert
 * counts, an export's announced size); otherwise up to SCAN_TOTAL_CAP.
 */
export function totalBound(request: Pick<SearchRequest, 'query' | 'exactTotal'>, exactTotalUpTo: number): number {
  return request.exactTotal === true || countsAnswer(request.query)
    ? exactTotalUpTo
    : Math.min(exactTotalUpTo, SCAN_TOTAL_CAP);
}
