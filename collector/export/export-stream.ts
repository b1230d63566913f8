import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Hit } from '../../protocol/event.js';
import type { LogStore, SearchPage, SearchRequest, SortKey } from '../store/log-store.js';

/** Events per store read: large enough that a million events take few round trips, small enough to stay a few MB. */
export const EXPORT_PAGE = 2000;

/** What an export wrote and whether it reached the end of the matches. */
export interface ExportOutcome {
  written: number;
  /** The caller went away before the end (its socket closed). */
  aborted: boolean;
}

/**
 * Writes every event a search matches, page by page with its cursor (and the store's snapshot), up to `limit`
 * events. Memory stays at one page: the next page is read only after the previous one went out, and a full socket
 * buffer (`write` answering false) is waited out before reading on, so a slow reader slows the export instead of
 * filling the collector's memory.
 */
export async function streamExport(
  store: LogStore,
  request: Omit<SearchRequest, 'limit' | 'after' | 'snapshot'>,
  limit: number,
  first: SearchPage,
  out: Writable,
  format: (hit: Hit) => string,
): Promise<ExportOutcome> {
  let written = 0;
  let page = first;
  for (;;) {
    if (out.destroyed) return { written, aborted: true };
    const hits = page.hits.slice(0, limit - written);
    let chunk = '';
    for (const hit of hits) chunk += format(hit);
    written += hits.length;
    if (chunk && !out.write(chunk)) {
      await Promise.race([once(out, 'drain'), once(out, 'close')]);
    }
    if (written >= limit || !page.lastKey) return { written, aborted: out.destroyed };
    const after: SortKey = page.lastKey;
    page = await store.search({
      ...request,
      limit: Math.min(EXPORT_PAGE, limit - written),
      after,
      countTotal: false,
      ...(page.snapshot ? { snapshot: page.snapshot } : {}),
    });
  }
}
