import { errors, type estypes } from '@elastic/elasticsearch';
import type { SearchPage, SearchRequest, SortKey } from '../log-store.js';
import { hitOf } from './es-document.js';
import { eventQuery, eventSort, guardRead, SORT_LENGTH, type EsReadContext } from './es-read.js';
import { windowIndices } from './index-templates.js';
import { totalBound } from '../total-bound.js';

/** How long a point in time stays open between two pages; each page extends it. */
const PIT_KEEP_ALIVE = '1m';

/**
 * The read path of `/search`. The first page is read through a point in time opened just before it, so every later
 * page reads the very snapshot the first page and its total came from; when nothing follows, it is closed at once
 * (Elasticsearch caps open points in time). An expired point in time falls back to plain search_after, which still
 * neither repeats nor skips because the sort order is total.
 *
 * The reader's id goes along as Elasticsearch's `preference`: with replicas, each copy of a shard refreshes on its own
 * clock (and an idle copy not at all), so a point in time opened beside a search on another copy missed the newest
 * events of a count the same person had just seen (2,660 of 100,000 in the 3-node test after a node came back).
 */
export class EsSearch {
  constructor(
    private readonly ctx: EsReadContext,
    private readonly exactTotalUpTo: number,
  ) {}

  async search(request: SearchRequest): Promise<SearchPage> {
    if (request.snapshot) {
      try {
        return await this.page(request, request.snapshot);
      } catch (err) {
        if (!pitGone(err)) throw err;
        this.ctx.logger.info('A search cursor outlived its point in time; paging on without it.');
      }
    }
    if (request.after) return this.page(request, undefined);
    const pit = await this.openPit(request);
    if (!pit) return this.page(request, undefined);
    try {
      return await this.page(request, pit);
    } catch (err) {
      void this.closePit(pit);
      throw err;
    }
  }

  private async page(request: SearchRequest, pit: string | undefined): Promise<SearchPage> {
    const { client, indexPrefix } = this.ctx;
    const response = await guardRead(
      this.ctx,
      (t) =>
        client.search<Record<string, unknown>>(
          {
            ...(pit
              ? { pit: { id: pit, keep_alive: PIT_KEEP_ALIVE } }
              : {
                  index: windowIndices(indexPrefix, request.from, request.to),
                  ignore_unavailable: true,
                  allow_no_indices: true,
                  ...(request.reader ? { preference: request.reader } : {}),
                }),
            timeout: t.timeout,
            size: request.limit,
            track_total_hits: request.countTotal === false ? false : totalBound(request, this.exactTotalUpTo),
            sort: eventSort(request.order),
            ...(request.after ? { search_after: [...request.after] as estypes.SortResults } : {}),
            query: eventQuery(request.query, request.from, request.to),
          },
          { requestTimeout: t.requestTimeout, signal: t.signal },
        ),
      request.signal,
    );
    const hits = response.hits.hits.map(hitOf);
    const last = response.hits.hits.at(-1);
    const total = response.hits.total;
    const more = hits.length === request.limit && last?.sort !== undefined;
    if (!more && pit) void this.closePit(pit);
    return {
      hits,
      lastKey: more ? (last.sort!.slice(0, SORT_LENGTH) as SortKey) : null,
      total: {
        value: typeof total === 'number' ? total : (total?.value ?? hits.length),
        relation: typeof total === 'object' && total.relation === 'gte' ? 'gte' : 'eq',
      },
      tookMs: response.took,
      snapshot: more ? (response.pit_id ?? pit ?? null) : null,
    };
  }

  private async openPit({ reader, from, to }: SearchRequest): Promise<string | null> {
    try {
      const res = await this.ctx.client.openPointInTime({
        // The window's days only: a point in time holds every shard it covers open until it is closed or expires.
        index: windowIndices(this.ctx.indexPrefix, from, to),
        ...(reader ? { preference: reader } : {}),
        keep_alive: PIT_KEEP_ALIVE,
        ignore_unavailable: true,
        allow_partial_search_results: false,
      });
      return res.id;
    } catch (err) {
      // Paging still works without a snapshot (plain search_after); a missing PIT only costs total stability.
      this.ctx.logger.warn({ err: (err as Error).message }, 'Opening a point in time failed; paging without one.');
      return null;
    }
  }

  private async closePit(id: string): Promise<void> {
    try {
      await this.ctx.client.closePointInTime({ id });
    } catch {
      // It expires on its own after the keep-alive.
    }
  }
}

/** An expired, closed or garbled point in time (Elasticsearch answers 404, or 400 for an id it cannot read). */
function pitGone(err: unknown): boolean {
  if (!(err instanceof errors.ResponseError)) {
    const cause = (err as { cause?: unknown }).cause;
    return cause !== undefined && pitGone(cause);
  }
  const text = JSON.stringify(err.body ?? {});
  return err.statusCode === 404 || /search_context_missing|point in time|pit|Not all bytes were read/i.test(text);
}
