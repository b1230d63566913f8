import { Router } from 'express';
import { requireScope } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-store.js';
import { CollectorError } from '../collector-error.js';
import { findPatterns } from '../patterns/pattern-service.js';
import { integer, one, parseFilterParams, type RawParams } from '../query/search-params.js';
import type { LogStore } from '../store/log-store.js';

/** What the collector allows pattern requests (config `patterns`). */
export interface PatternLimits {
  maxSample: number;
  timeLimitMs: number;
}

/** `GET /api/v1/patterns`: the kinds of message in a query's window, with counts, histograms and example events. */
export function patternRoutes(store: LogStore, verifier: TokenVerifier, limits: PatternLimits): Router {
  const router = Router();
  router.get('/api/v1/patterns', requireScope(verifier, 'read'), async (req, res) => {
    const params = req.query as RawParams;
    const filter = parseFilterParams(params);
    const compare = one(params, 'compare') ?? 'none';
    if (compare !== 'previous' && compare !== 'none') {
      throw new CollectorError('BAD_PARAMETER', '"compare" must be previous or none.', 400, { parameter: 'compare' });
    }
    const sort = one(params, 'sort') ?? 'count';
    if (sort !== 'count' && sort !== 'surge') {
      throw new CollectorError('BAD_PARAMETER', '"sort" must be count or surge.', 400, { parameter: 'sort' });
    }
    if (sort === 'surge' && compare !== 'previous') {
      throw new CollectorError('BAD_PARAMETER', '"sort=surge" needs compare=previous.', 400, { parameter: 'sort' });
    }
    res.json(
      await findPatterns(store, {
        ...filter,
        compare: compare === 'previous',
        sort,
        limit: integer(params, 'limit', 50, 1, 1000),
        maxSample: integer(params, 'sample', limits.maxSample, 1, limits.maxSample),
        timeLimitMs: limits.timeLimitMs,
      }),
    );
  });
  return router;
}
