import { Router } from 'express';
import { requireScope } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-store.js';
import { integer, many, one } from '../query/search-params.js';
import { parseTimeExpression } from '../query/time-expression.js';
import type { LogStore } from '../store/log-store.js';

/** Dead letters are inspected after the fact, so the default window is a week rather than search's 15 minutes. */
const DEFAULT_FROM = 'now-7d';
const MAX_LIMIT = 1000;

/**
 * `GET /api/v1/deadletter` (admin): rejected events with reason, code, token name and the original (cut to
 * `maxOriginalBytes`), newest first, in pages (`cursor` = the previous page's `next_cursor`).
 */
export function deadLetterRoutes(store: LogStore, verifier: TokenVerifier, maxOriginalBytes: number): Router {
  const router = Router();
  router.get('/api/v1/deadletter', requireScope(verifier, 'admin'), async (req, res) => {
    const params = req.query as Record<string, unknown>;
    const now = new Date();
    const from = parseTimeExpression(one(params, 'from') ?? DEFAULT_FROM, now, 'from');
    const to = parseTimeExpression(one(params, 'to') ?? 'now', now, 'to');
    const limit = integer(params, 'limit', 100, 1, MAX_LIMIT);
    const cursor = one(params, 'cursor');
    res.json(
      await store.listDeadLetters({
        from,
        to,
        limit,
        codes: many(params, 'code'),
        maxOriginalBytes,
        ...(cursor === undefined ? {} : { cursor }),
      }),
    );
  });
  return router;
}
