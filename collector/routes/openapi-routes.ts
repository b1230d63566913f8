import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from 'express';

/**
 * Finds docs/openapi.json above this module, whether it runs from the sources or from the compiled dist/, so the
 * served document is always the one in the repository.
 */
export function openApiPath(start = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'docs', 'openapi.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error('docs/openapi.json was not found above the collector.');
  }
}

/** `GET /api/v1/openapi.json`: the API description, unauthenticated like a schema should be. */
export function openApiRoutes(): Router {
  const router = Router();
  let document: string | undefined;
  router.get('/api/v1/openapi.json', (_req, res) => {
    document ??= readFileSync(openApiPath(), 'utf8');
    res.type('application/json').send(document);
  });
  return router;
}
