import { Router } from 'express';
import type { SearchResult } from '../../protocol/search.js';
import { requireScope } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-store.js';
import { CollectorError } from '../collector-error.js';
import { isFieldName, resolveField } from '../query/field-names.js';
import { parseInterval } from '../query/histogram-interval.js';
import { encodeCursor } from '../query/cursor.js';
import { integer, one, parseFilterParams, parseSearchParams, type RawParams } from '../query/search-params.js';
import type { LogStore } from '../store/log-store.js';
import type { StackField } from '../store/read-model.js';

/** A Map, not an object: `by=constructor` must not find Object.prototype's. */
const STACK_FIELDS = new Map<string, StackField>([
  ['host', 'host.name'],
  ['level', 'log.level'],
  ['service', 'service.name'],
]);

/** The read endpoints over a window of events (CONTRACT §5): search, histogram, fields and top values. */
export function searchRoutes(store: LogStore, verifier: TokenVerifier): Router {
  const router = Router();
  const read = requireScope(verifier, 'read');

  router.get('/api/v1/search', read, async (req, res) => {
    const started = performance.now();
    const request = parseSearchParams(req.query as RawParams);
    const page = await store.search(request);
    const body: SearchResult = {
      hits: page.hits,
      next_cursor: page.lastKey ? encodeCursor(request.order, page.lastKey, page.snapshot) : null,
      total: page.total,
      took_ms: Math.round(performance.now() - started),
      window: { from: request.from.toISOString(), to: request.to.toISOString() },
    };
    res.json(body);
  });

  router.get('/api/v1/histogram', read, async (req, res) => {
    const params = req.query as RawParams;
    const filter = parseFilterParams(params);
    const interval = parseInterval(one(params, 'interval'), filter.to.getTime() - filter.from.getTime());
    const byName = one(params, 'by');
    const by = byName === undefined ? undefined : STACK_FIELDS.get(byName);
    if (byName !== undefined && !by) {
      throw new CollectorError('BAD_PARAMETER', '"by" must be host, level or service.', 400, { parameter: 'by' });
    }
    const buckets = await store.histogram({ ...filter, intervalMs: interval.ms, ...(by ? { by } : {}) });
    res.json({ interval: interval.label, buckets });
  });

  router.get('/api/v1/fields', read, async (req, res) => {
    res.json({ fields: await store.fields(parseFilterParams(req.query as RawParams)) });
  });

  router.get('/api/v1/fields/:name/top', read, async (req, res) => {
    const params = req.query as RawParams;
    const name = String(req.params.name);
    if (!isFieldName(name)) {
      throw new CollectorError(
        'BAD_PARAMETER',
        'The field name may hold letters, digits, "_", ".", "@" and "-".',
        400,
        {
          parameter: 'name',
        },
      );
    }
    // A full-text field (message, error.message) is refused by the store, the same way on every store.
    const field = resolveField(name);
    const size = integer(params, 'size', 10, 1, 1000);
    const top = await store.topValues({ ...parseFilterParams(params), field, size });
    res.json({ field, ...top });
  });
  return router;
}
