import { Router } from 'express';
import { requireScope } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-store.js';
import { CollectorError } from '../collector-error.js';
import { toEventDetail } from '../store/ecs-document.js';
import type { LogStore } from '../store/log-store.js';

/**
 * `GET /api/v1/events/{id}`: one event with every parsed field, the times its line was read and stored, and its
 * format; what the UI's event details and event links show.
 */
export function eventRoutes(store: LogStore, verifier: TokenVerifier): Router {
  const router = Router();
  router.get('/api/v1/events/:id', requireScope(verifier, 'read'), async (req, res) => {
    const id = String(req.params.id);
    const stored = await store.event(id);
    if (!stored) throw new CollectorError('NOT_FOUND', `No event has the id "${id}".`, 404);
    res.json(toEventDetail(stored));
  });
  return router;
}
