import { Router, type NextFunction, type Request, type Response } from 'express';
import type { IngestMetrics } from '../ingest/ingest-metrics.js';

/** `GET /metrics`: Prometheus text, unauthenticated like the health probes (see docs/api.md). */
export function metricsRoutes(metrics: IngestMetrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  return router;
}

/** Times every request; the route label is the matched route pattern, so ids in paths do not explode the series. */
export function requestTiming(metrics: IngestMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const stop = metrics.requestDuration.startTimer();
    res.once('finish', () => {
      const route = (req.route as { path?: unknown } | undefined)?.path;
      stop({
        method: req.method,
        route: typeof route === 'string' ? route : Array.isArray(route) ? String(route[0]) : 'unmatched',
        status: String(res.statusCode),
      });
      // Set by the error handler: the code of a coded error answer.
      const code: unknown = res.locals.errorCode;
      if (typeof code === 'string') metrics.answeredError(res.statusCode, code);
    });
    next();
  };
}
