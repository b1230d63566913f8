import { Router } from 'express';
import type { SearchResult } from '../../protocol/search.js';
import { requireScope } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-store.js';
import { encodeCursor } from '../query/cursor.js';
import { parseSearchParams } from '../query/search-params.js';
import type { LogStore } from '../store/log-store.js';

/** The read endpoints (CONTRACT §5): search for now; histogram, context and tail join here. */
export function searchRoutes(store: LogStore, verifier: TokenVerifier): Router {
  const router = Router();
  router.get('/api/v1/search', requireScope(verifier, 'read'), async (req, res) => {
    const started = performance.now();
    const request = parseSearchParams(req.query as Record<string, unknown>);
    const page = await store.search(request);
    const body: SearchResult = {
      hits: page.hits,
      next_cursor: page.lastKey ? encodeCursor(request.order, page.lastKey) : null,
      total: page.total,
      took_ms: Math.round(performance.now() - started),
    };
    res.json(body);
  });
  return router;
}
