import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express, { Router } from 'express';
import helmet from 'helmet';

/** The built UI (ui/dist), found from this file both in the sources (tests) and in dist/ (installed). */
export function findUiDist(from = import.meta.dirname): string | undefined {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'ui', 'dist', 'index.html');
    if (existsSync(candidate)) return dirname(candidate);
    if (existsSync(join(dir, 'package.json'))) break;
  }
  return undefined;
}

/**
 * Security headers for every response, the strictest that still lets the UI run: scripts and styles only from
 * our own origin, no inline code, no framing. Log text is attacker-controlled; this is the second wall after
 * rendering it as text.
 */
export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
  });
}

/** Serves the UI at `/`; any other GET outside the API falls back to index.html so deep links work. */
export function uiRoutes(uiDist = findUiDist()): Router {
  const router = Router();
  if (!uiDist) return router;
  router.use(express.static(uiDist, { index: 'index.html', maxAge: '1h', setHeaders: noCacheForHtml }));
  // Paths under /_ are Elasticsearch-compatible API probes, never UI pages.
  router.get(/^\/(?!api\/|_|healthz$|readyz$|metrics$).*/, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(join(uiDist, 'index.html'));
  });
  return router;
}

/** index.html names the hashed bundles, so it must be revalidated; the bundles themselves can be cached. */
function noCacheForHtml(res: express.Response, path: string): void {
  if (path.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
}
