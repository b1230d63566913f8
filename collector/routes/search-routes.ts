import { Router } from 'express';
import {
  histogramQuerySchema,
  searchQuerySchema,
  topValuesQuerySchema,
  type FieldsResult,
  type HistogramResult,
  type SearchResult,
  type TopValuesResult,
} from '../../protocol/search.js';
import { filterQuerySchema } from '../../protocol/query-params.js';
import { readerOf, requireScope } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-store.js';
import { CollectorError } from '../collector-error.js';
import { isFieldName, resolveField } from '../query/field-names.js';
import { parseInterval } from '../query/histogram-interval.js';
import { encodeCursor } from '../query/cursor.js';
import { parseFilterParams, parseSearchParams } from '../query/search-params.js';
import type { LogStore } from '../store/log-store.js';
import type { StackField } from '../store/read-model.js';
import { clientGone } from './client-gone.js';
import { parseInput } from './request-input.js';

const STACK_FIELDS: Record<'host' | 'level' | 'service', StackField> = {
  host: 'host.name',
  level: 'log.level',
  service: 'service.name',
};

/** The read endpoints over a window of events (see docs/api.md): search, histogram, fields and top values. */
export function searchRoutes(store: LogStore, verifier: TokenVerifier): Router {
  const router = Router();
  const read = requireScope(verifier, 'read');

  router.get('/api/v1/search', read, async (req, res) => {
    const started = performance.now();
    const request = parseSearchParams(parseInput(searchQuerySchema, req.query));
    const reader = readerOf(req);
    const page = await store.search({ ...request, ...(reader ? { reader } : {}), signal: clientGone(res) });
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
    const params = parseInput(histogramQuerySchema, req.query);
    const filter = parseFilterParams(params);
    const interval = parseInterval(params.interval, filter.to.getTime() - filter.from.getTime());
    const by = params.by && STACK_FIELDS[params.by];
    const buckets = await store.histogram({
      ...filter,
      intervalMs: interval.ms,
      ...(by ? { by } : {}),
      signal: clientGone(res),
    });
    const body: HistogramResult = { interval: interval.label, buckets };
    res.json(body);
  });

  router.get('/api/v1/fields', read, async (req, res) => {
    const body: FieldsResult = {
      fields: await store.fields({
        ...parseFilterParams(parseInput(filterQuerySchema, req.query)),
        signal: clientGone(res),
      }),
    };
    res.json(body);
  });

  router.get('/api/v1/fields/:name/top', read, async (req, res) => {
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
    const params = parseInput(topValuesQuerySchema, req.query);
    const top = await store.topValues({
      ...parseFilterParams(params),
      field,
      size: params.size,
      signal: clientGone(res),
    });
    const body: TopValuesResult = { field, ...top };
    res.json(body);
  });
  return router;
}
