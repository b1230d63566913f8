import { Router } from 'express';
import { requireScope } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-store.js';
import type { StatusReport } from '../monitoring/status-report.js';

/** `GET /api/v1/status` (read scope): store health, ingest rate, silent and lagging hosts, dead letters, alerts. */
export function statusRoutes(report: StatusReport, verifier: TokenVerifier): Router {
  const router = Router();
  router.get('/api/v1/status', requireScope(verifier, 'read'), async (_req, res) => {
    res.json(await report.build());
  });
  return router;
}
