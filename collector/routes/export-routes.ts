import { Router } from 'express';
import type { Logger } from 'pino';
import {
  csvHeader,
  csvRecord,
  exportQuerySchema,
  ndjsonLine,
  type ExportFormat,
} from '../../protocol/export-format.js';
import { readerOf, requireScope } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-store.js';
import { EXPORT_PAGE, streamExport } from '../export/export-stream.js';
import { parseFilterParams } from '../query/search-params.js';
import type { LogStore } from '../store/log-store.js';
import { parseInput } from './request-input.js';

/** What the collector allows exports (config `export`). */
export interface ExportLimits {
  defaultEvents: number;
  maxEvents: number;
}

const CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

/**
 * `GET /api/v1/export`: every event a query matches (not one page), streamed as NDJSON or CSV. `limit` caps the
 * events (default `export.default_events`; `max` or any number up to `export.max_events`); the headers say how
 * many matched (`X-Logship-Total`) and the limit applied, so a client can tell a capped export from a whole one.
 */
export function exportRoutes(store: LogStore, verifier: TokenVerifier, limits: ExportLimits, logger: Logger): Router {
  const router = Router();
  const querySchema = exportQuerySchema(limits);
  router.get('/api/v1/export', requireScope(verifier, 'read'), async (req, res) => {
    const params = parseInput(querySchema, req.query);
    const { format, order, limit } = params;
    const filter = parseFilterParams(params);
    const reader = readerOf(req);
    const request = { ...filter, order, ...(reader ? { reader } : {}) } as const;
    // The first page is read before any byte is sent, so a bad query or an unavailable store still gets a coded
    // JSON error with its status; a failure later can only cut the stream, which the client sees as incomplete.
    // Its total is exact up to exact_total_up_to for any query: it tells whether the limit cut the export.
    const first = await store.search({ ...request, limit: Math.min(EXPORT_PAGE, limit), exactTotal: true });
    const stamp = filter.to.toISOString().replace(/[:.]/g, '-');
    res.status(200);
    res.setHeader('content-type', CONTENT_TYPES[format]);
    res.setHeader('content-disposition', `attachment; filename="logship-${stamp}.${format}"`);
    res.setHeader('x-logship-total', `${first.total.value}${first.total.relation === 'gte' ? '+' : ''}`);
    res.setHeader('x-logship-limit', String(limit));
    res.setHeader('cache-control', 'no-store');
    if (format === 'csv') res.write(csvHeader());
    try {
      await streamExport(store, request, limit, first, res, format === 'csv' ? csvRecord : ndjsonLine);
      res.end();
    } catch (err) {
      // Headers are gone: cutting the connection is the only way left to say "this export is incomplete".
      logger.warn({ err: (err as Error).message }, 'An export failed part-way; its connection was cut.');
      res.destroy();
    }
  });
  return router;
}
