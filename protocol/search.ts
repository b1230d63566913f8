import type { Hit } from './event.js';

/** The answer of `GET /api/v1/search` (CONTRACT §5). */
export interface SearchResult {
  hits: Hit[];
  next_cursor: string | null;
  total: { value: number; relation: 'eq' | 'gte' };
  took_ms: number;
  /**
   * The window searched, `from` and `to` resolved to times: `now-15m` means a different minute a moment later, so the
   * histogram, the facets and the next pages ask for this window to count the same events.
   */
  window: { from: string; to: string };
}
