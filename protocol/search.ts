import type { Hit } from './event.js';

/** The answer of `GET /api/v1/search` (see docs/api.md). */
export interface SearchResult {
  hits: Hit[];
  next_cursor: string | null;
  total: { value: number; relation: 'eq' | 'gte' };
  took_ms: number;
}
