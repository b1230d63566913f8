import { Router } from 'express';
import type { Readiness } from '../../protocol/health.js';
import type { LogStore } from '../store/log-store.js';

/** Unauthenticated probes for load balancers and orchestrators. */
export function healthRoutes(store: LogStore): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const ready = await store.ready();
    const problem = ready ? null : (store.readinessProblem?.() ?? null);
    const warnings = store.readinessWarnings?.() ?? [];
    const body: Readiness = {
      status: ready ? 'ready' : 'store_unavailable',
      ...(problem ? { problem } : {}),
      ...(warnings.length ? { warnings } : {}),
    };
    res.status(ready ? 200 : 503).json(body);
  });
  return router;
}
