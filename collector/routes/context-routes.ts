import { Router } from 'express';
import { parseDuration } from '../../config/duration.js';
import { contextQuerySchema } from '../../protocol/context.js';
import { requireScope } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-store.js';
import { CollectorError } from '../collector-error.js';
import { alignedContext } from '../clock/aligned-context.js';
import type { LogStore } from '../store/log-store.js';
import { clientGone } from './client-gone.js';
import { parseInput } from './request-input.js';

/**
 * `GET /api/v1/events/{id}/context`: events from every (or the chosen) host around one event, interleaved by time;
 * `align=clocks` orders them by each host's measured clock offset instead of the times they carry.
 */
export function contextRoutes(store: LogStore, verifier: TokenVerifier): Router {
  const router = Router();
  router.get('/api/v1/events/:id/context', requireScope(verifier, 'read'), async (req, res) => {
    const params = parseInput(contextQuerySchema, req.query);
    const windowText = params.window;
    const windowMs = windowText === undefined ? undefined : parseDuration(windowText);
    if (windowText !== undefined && (windowMs === undefined || windowMs <= 0)) {
      throw new CollectorError('BAD_PARAMETER', '"window" must be a duration such as 30s, 5m or 1h.', 400, {
        parameter: 'window',
      });
    }
    const request = {
      id: String(req.params.id),
      before: params.before,
      after: params.after,
      hosts: params.host,
      ...(windowMs === undefined ? {} : { windowMs }),
      signal: clientGone(res),
    };
    const result =
      params.align === 'clocks'
        ? await alignedContext(store, request, await store.hostClocks())
        : await store.context(request);
    if (!result) throw new CollectorError('NOT_FOUND', `No event has the id "${String(req.params.id)}".`, 404);
    res.json(result);
  });
  return router;
}
