import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createApp, type CollectorApp } from '../../../collector/app.js';
import { collectorConfig } from '../../../collector/config.js';
import { openApiPath } from '../../../collector/routes/openapi-routes.js';
import { EmbeddedStore } from '../../../collector/store/embedded/embedded-store.js';

/** What the routing table of Express 5 exposes of a layer; internals, read only here. */
interface Layer {
  route?: { path: string | string[] | RegExp; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every `METHOD /path` the app answers, in the API description's spelling (`:id` → `{id}`). */
function registeredRoutes(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.handle?.stack) return registeredRoutes(layer.handle.stack);
    if (!layer.route) return [];
    const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
    return paths.flatMap((path) =>
      Object.keys(layer.route!.methods)
        .filter((method) => method !== '_all')
        .map((method) => `${method.toUpperCase()} ${String(path).replace(/:(\w+)/g, '{$1}')}`),
    );
  });
}

/** Every `METHOD /path` docs/openapi.json describes. */
function describedRoutes(): string[] {
  const document = JSON.parse(readFileSync(openApiPath(), 'utf8')) as { paths: Record<string, object> };
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((key) => ['get', 'put', 'post', 'delete', 'head', 'patch'].includes(key))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

let dir: string;
let collector: CollectorApp;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'logship-openapi-routes-'));
  const logger = pino({ level: 'silent' });
  const store = new EmbeddedStore({ dir: join(dir, 'store'), searchTimeoutMs: 5000, exactTotalUpTo: 1000 }, logger);
  collector = await createApp(collectorConfig({ listen: '127.0.0.1:0', data_dir: dir }), logger, store);
});

afterAll(async () => {
  await collector.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Routes the app serves that are not API: the web UI's pages (any GET outside /api/ that no route above took), and
 * the old Elasticsearch `POST /{index}/{type}` written as a pattern, which the description spells out.
 */
const SPELLED: Record<string, string | null> = {
  'GET /^\\/(?!api\\/|_|healthz$|readyz$|metrics$).*/': null,
  'POST /^\\/(?!api\\/)([^/_][^/]*)\\/([^/_][^/]*)$/': 'POST /{index}/{type}',
};

describe('the API description and the app', () => {
  it('name the same routes', () => {
    const registered = registeredRoutes((collector.app as unknown as { router: { stack: Layer[] } }).router.stack)
      .map((route) => (route in SPELLED ? SPELLED[route] : route))
      .filter((route): route is string => route !== null);
    const described = describedRoutes();
    expect(registered.length).toBeGreaterThan(30);
    expect({ undescribed: registered.filter((r) => !described.includes(r)) }).toEqual({ undescribed: [] });
    expect({ unserved: described.filter((r) => !registered.includes(r)) }).toEqual({ unserved: [] });
  });
});
