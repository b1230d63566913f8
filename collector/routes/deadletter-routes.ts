import { Router } from 'express';
import { deadLetterQuerySchema } from '../../protocol/dead-letter.js';
import { requireScope } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-store.js';
import { parseTimeExpression } from '../query/time-expression.js';
import type { LogStore } from '../store/log-store.js';
import { parseInput } from './request-input.js';

/** Dead letters are inspected after the fact, so the default window is a week rather than search's 15 minutes. */
const DEFAULT_FROM = 'now-7d';

/**
 * `GET /api/v1/deadletter` (admin): rejected events with reason, code, token name and the original (cut to
 * `maxOriginalBytes`), newest first, in pages (`cursor` = the previous page's `next_cursor`).
 */
export function deadLetterRoutes(store: LogStore, verifier: TokenVerifier, maxOriginalBytes: number): Router {
  const router = Router();
  router.get('/api/v1/deadletter', requireScope(verifier, 'admin'), async (req, res) => {
    const params = parseInput(deadLetterQuerySchema, req.query);
    const now = new Date();
    const from = parseTimeExpression(params.from ?? DEFAULT_FROM, now, 'from');
    const to = parseTimeExpression(params.to ?? 'now', now, 'to');
    const { limit, cursor } = params;
    res.json(
      await store.listDeadLetters({
        from,
        to,
        limit,
        codes: params.code,
        maxOriginalBytes,
        ...(cursor === undefined ? {} : { cursor }),
      }),
    );
  });
  return router;
}
