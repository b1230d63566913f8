import express, { Router } from 'express';
import { CollectorError } from '../collector-error.js';
import { requireScope } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-store.js';
import type { BulkService } from '../ingest/bulk-service.js';
import type { WriteAdmission } from './ingest-admission.js';

/** What `GET /` answers: enough of Elasticsearch's root document for shippers' start-up version checks. */
const ROOT = {
  name: 'logship',
  cluster_name: 'logship',
  cluster_uuid: 'logship',
  // Major 8 makes shippers use the typeless bulk format; logship also accepts and ignores a legacy `_type`.
  version: {
    number: '8.17.0',
    build_flavor: 'default',
    build_type: 'tar',
    build_snapshot: false,
    lucene_version: '9.12.0',
    minimum_wire_compatibility_version: '7.17.0',
    minimum_index_compatibility_version: '7.0.0',
  },
  tagline: 'You Know, for Search',
};

/**
 * The Elasticsearch-compatible door for existing shippers (CONTRACT §5): `POST /_bulk`, `POST /{index}/_bulk`,
 * and `GET`/`HEAD /` for their start-up checks. Auth (Bearer, ApiKey, Basic with the token as password) runs before
 * the body is read.
 */
export function bulkRoutes(
  bulk: BulkService,
  verifier: TokenVerifier,
  maxBodyBytes: number,
  admission: WriteAdmission,
): Router {
  const router = Router();
  const { admit } = admission;
  const readBody = admission.readBody(maxBodyBytes);
  // Auth first, then admission, then the body: neither a stranger nor a crowd makes the collector buffer anything.
  const auth = requireScope(verifier, 'ingest');
  // The web UI lives at `/` too: a browser (asking for HTML) gets the UI, an Elasticsearch client the root document.
  const wantsHtml = (accept: string | undefined) => accept !== undefined && accept.includes('text/html');
  router.get('/', (req, res, next) => {
    if (wantsHtml(req.headers.accept)) return next();
    res.json(ROOT);
  });
  router.head('/', (req, res, next) => {
    if (wantsHtml(req.headers.accept)) return next();
    res.status(200).type('application/json').end();
  });
  const one =
    (action: 'index' | 'create') =>
    async (req: express.Request, res: express.Response): Promise<void> => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const id = typeof req.params.id === 'string' ? req.params.id : undefined;
      const result = await bulk.indexOne(body, String(req.params.index), id, action, req.token?.name);
      res.status(result.status).json(result.error ? { error: result.error, status: result.status } : result);
    };
  router.post(['/:index/_doc', '/:index/_doc/:id'], auth, admit, ...readBody, one('index'));
  router.put('/:index/_doc/:id', auth, admit, ...readBody, one('index'));
  router.post('/:index/_create/:id', auth, admit, ...readBody, one('create'));
  router.put('/:index/_create/:id', auth, admit, ...readBody, one('create'));
  router.post(['/_bulk', '/:index/_bulk', '/:index/:type/_bulk'], auth, admit, ...readBody, async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const index = typeof req.params.index === 'string' ? req.params.index : undefined;
    res.json(await bulk.bulk(body, index, req.token?.name));
  });
  // Elasticsearch 6 and older: `POST /{index}/{type}`, what omelasticsearch sends by default (bulk mode off).
  router.post(/^\/(?!api\/)([^/_][^/]*)\/([^/_][^/]*)$/, auth, admit, ...readBody, async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const index = String((req.params as Record<string, string>)[0]);
    const result = await bulk.indexOne(body, index, undefined, 'index', req.token?.name);
    res.status(result.status).json(result.error ? { error: result.error, status: result.status } : result);
  });
  return router;
}

/** The write paths of the door above, with the methods they take. */
const WRITE_PATHS: readonly [RegExp, string][] = [
  [/^\/(?:[^/]+\/(?:[^/]+\/)?)?_bulk$/, 'POST'],
  [/^\/[^/]+\/_doc(?:\/[^/]+)?$/, 'POST, PUT'],
  [/^\/[^/]+\/_create\/[^/]+$/, 'POST, PUT'],
];

/**
 * Elasticsearch API paths logship does not serve (`GET /logship-*\/_search`, `/_cat/indices`, `GET /_bulk`): a coded
 * JSON 404, or 405 with `Allow` for a write path asked with another method, never the UI's HTML with 200 (a client
 * would take that for success). Any path with a segment starting with `_`, outside `/api/`, is one.
 */
export function elasticsearchFallback(): Router {
  const router = Router();
  router.use((req, res, next) => {
    if (req.path.startsWith('/api/') || !/\/_/.test(req.path)) {
      next();
      return;
    }
    const write = WRITE_PATHS.find(([pattern]) => pattern.test(req.path));
    if (write) {
      res.setHeader('Allow', write[1]);
      next(new CollectorError('METHOD_NOT_ALLOWED', `${req.method} ${req.path} is not served; use ${write[1]}.`, 405));
      return;
    }
    next(new CollectorError('NOT_FOUND', `logship serves no Elasticsearch API at ${req.method} ${req.path}.`, 404));
  });
  return router;
}
