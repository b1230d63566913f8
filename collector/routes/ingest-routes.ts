import { Router, type NextFunction, type Request, type Response } from 'express';
import { requireScope } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-store.js';
import { CollectorError } from '../collector-error.js';
import type { IngestService } from '../ingest/ingest-service.js';
import { bodyAgain, releaseBody } from './body-reader.js';
import type { WriteAdmission } from './ingest-admission.js';

const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl']);

/** Refuses a body we cannot read before reading it (415), after auth has run. */
function requireNdjson(req: Request, _res: Response, next: NextFunction): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!NDJSON_TYPES.has(type)) {
    next(
      new CollectorError('INGEST_UNSUPPORTED_MEDIA_TYPE', 'Send events as Content-Type: application/x-ndjson.', 415),
    );
    return;
  }
  next();
}

/** `POST /api/v1/ingest`: auth, then content type, then the body (gzip inflated within the size limit). */
export function ingestRoutes(
  ingest: IngestService,
  verifier: TokenVerifier,
  maxBodyBytes: number,
  admission: WriteAdmission,
): Router {
  const router = Router();
  router.post(
    '/api/v1/ingest',
    requireScope(verifier, 'ingest'),
    requireNdjson,
    admission.admit,
    ...admission.readBody(maxBodyBytes),
    async (req, res) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const answer = ingest.ingest(body, req.token?.name, bodyAgain(req));
      // Decoded before the store is awaited: the request need not hold the raw bytes while the store works.
      releaseBody(req);
      res.json(await answer);
    },
  );
  return router;
}
