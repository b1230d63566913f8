import express, { Router } from 'express';
import { CollectorError } from '../collector-error.js';
import { requireScope } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-store.js';
import type { BulkItemResult, DocumentRefusal, DocumentResult } from '../../protocol/bulk-response.js';
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

/** A single-document answer in Elasticsearch's shape: the item without its bulk-only `status`, or the error. */
function answerOne(res: express.Response, item: BulkItemResult): void {
  const { status, error, ...stored } = item;
  const answer: DocumentResult | DocumentRefusal = error ? { error, status } : stored;
  res.status(status).json(answer);
}

/**
 * Elasticsearch's official clients (JavaScript, Python, …) refuse every answer without this header, as coming from
 * "an unknown product", even one that stored the document: an application would then retry and store it twice.
 * Compatible servers send it for this reason; it is set before auth, so errors carry it too.
 */
const productHeader: express.RequestHandler = (_req, res, next) => {
  res.setHeader('X-Elastic-Product', 'Elasticsearch');
  next();
};

/**
 * The Elasticsearch-compatible door for existing shippers and Elasticsearch clients (docs/existing-shippers.md):
 * `POST`/`PUT /_bulk`, `POST`/`PUT /{index}/_bulk`, the single-document index API, and `GET`/`HEAD /` for
 * clients' connection checks. Auth (Bearer, ApiKey, Basic with the token as password) runs before the body is read.
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
  const write = [productHeader, auth, admit, ...readBody];
  // The web UI lives at `/` too: a browser (asking for HTML) gets the UI, an Elasticsearch client the root document,
  // and only with an ingest token: what it needs to check the connection (`info()`, `ping()`), nothing for strangers.
  const notForBrowsers: express.RequestHandler = (req, _res, next) => {
    const accept = req.headers.accept;
    next(accept !== undefined && accept.includes('text/html') ? 'route' : undefined);
  };
  router.get('/', notForBrowsers, productHeader, auth, (_req, res) => {
    res.json(ROOT);
  });
  router.head('/', notForBrowsers, productHeader, auth, (_req, res) => {
    res.status(200).type('application/json').end();
  });
  const one =
    (action: 'index' | 'create') =>
    async (req: express.Request, res: express.Response): Promise<void> => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const id = typeof req.params.id === 'string' ? req.params.id : undefined;
      answerOne(res, await bulk.indexOne(body, String(req.params.index), id, action, req.token?.name));
    };
  router.post(['/:index/_doc', '/:index/_doc/:id'], ...write, one('index'));
  router.put('/:index/_doc/:id', ...write, one('index'));
  router.post('/:index/_create/:id', ...write, one('create'));
  router.put('/:index/_create/:id', ...write, one('create'));
  // PUT as well as POST: Elasticsearch takes both, and the Python client's bulk (and so helpers.bulk) sends PUT.
  const bulkPaths = ['/_bulk', '/:index/_bulk', '/:index/:type/_bulk'];
  const bulkHandler = async (req: express.Request, res: express.Response): Promise<void> => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const index = typeof req.params.index === 'string' ? req.params.index : undefined;
    res.json(await bulk.bulk(body, index, req.token?.name));
  };
  router.post(bulkPaths, ...write, bulkHandler);
  router.put(bulkPaths, ...write, bulkHandler);
  // Elasticsearch 6 and older: `POST /{index}/{type}`, what omelasticsearch sends by default (bulk mode off).
  router.post(/^\/(?!api\/)([^/_][^/]*)\/([^/_][^/]*)$/, ...write, async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const index = String((req.params as Record<string, string>)[0]);
    answerOne(res, await bulk.indexOne(body, index, undefined, 'index', req.token?.name));
  });
  return router;
}

/** The write paths of the door above, with the methods they take. */
const WRITE_PATHS: readonly [RegExp, string][] = [
  [/^\/(?:[^/]+\/(?:[^/]+\/)?)?_bulk$/, 'POST, PUT'],
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
