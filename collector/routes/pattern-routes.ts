import { Router } from 'express';
import { patternsQuerySchema, type PatternsResult } from '../../protocol/patterns.js';
import { requireScope } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-store.js';
import { CollectorError } from '../collector-error.js';
import { findPatterns } from '../patterns/pattern-service.js';
import { parseFilterParams } from '../query/search-params.js';
import type { LogStore } from '../store/log-store.js';
import { parseInput } from './request-input.js';

/** What the collector allows pattern requests (config `patterns`). */
export interface PatternLimits {
  maxSample: number;
  timeLimitMs: number;
}

/** `GET /api/v1/patterns`: the kinds of message in a query's window, with counts, histograms and example events. */
export function patternRoutes(store: LogStore, verifier: TokenVerifier, limits: PatternLimits): Router {
  const router = Router();
  const querySchema = patternsQuerySchema(limits.maxSample);
  router.get('/api/v1/patterns', requireScope(verifier, 'read'), async (req, res) => {
    const params = parseInput(querySchema, req.query);
    const filter = parseFilterParams(params);
    const { compare, sort } = params;
    if (sort === 'surge' && compare !== 'previous') {
      throw new CollectorError('BAD_PARAMETER', '"sort=surge" needs compare=previous.', 400, { parameter: 'sort' });
    }
    const body: PatternsResult = await findPatterns(store, {
      ...filter,
      compare: compare === 'previous',
      sort,
      limit: params.limit,
      maxSample: params.sample,
      timeLimitMs: limits.timeLimitMs,
    });
    res.json(body);
  });
  return router;
}
