import { Router } from 'express';
import { parseDuration } from '../../config/duration.js';
import { requireScope } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-store.js';
import { CollectorError } from '../collector-error.js';
import { alignedContext } from '../clock/aligned-context.js';
import { integer, many, one, type RawParams } from '../query/search-params.js';
import type { LogStore } from '../store/log-store.js';

const MAX_SIDE = 1000;

/**
 * `GET /api/v1/events/{id}/context`: events from every (or the chosen) host around one event, interleaved by time;
 * `align=clocks` orders them by each host's measured clock offset instead of the times they carry.
 */
export function contextRoutes(store: LogStore, verifier: TokenVerifier): Router {
  const router = Router();
  router.get('/api/v1/events/:id/context', requireScope(verifier, 'read'), async (req, res) => {
    const params = req.query as RawParams;
    const windowText = one(params, 'window');
    const windowMs = windowText === undefined ? undefined : parseDuration(windowText);
    if (windowText !== undefined && (windowMs === undefined || windowMs <= 0)) {
      throw new CollectorError('BAD_PARAMETER', '"window" must be a duration such as 30s, 5m or 1h.', 400, {
        parameter: 'window',
      });
    }
    const align = one(params, 'align') ?? 'none';
    if (align !== 'clocks' && align !== 'none') {
      throw new CollectorError('BAD_PARAMETER', '"align" must be clocks or none.', 400, { parameter: 'align' });
    }
    const request = {
      id: String(req.params.id),
      before: integer(params, 'before', 50, 0, MAX_SIDE),
      after: integer(params, 'after', 50, 0, MAX_SIDE),
      hosts: many(params, 'host'),
      ...(windowMs === undefined ? {} : { windowMs }),
    };
    const result =
      align === 'clocks'
        ? await alignedContext(store, request, await store.hostClocks())
        : await store.context(request);
    if (!result) throw new CollectorError('NOT_FOUND', `No event has the id "${String(req.params.id)}".`, 404);
    res.json(result);
  });
  return router;
}
