import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { TokenVerifier } from './auth/token-store.js';
import type { CollectorConfig } from './config.js';
import { CollectorError } from './collector-error.js';
import { IngestService } from './ingest/ingest-service.js';
import { errorHandler } from './routes/error-handler.js';
import { healthRoutes } from './routes/health-routes.js';
import { ingestRoutes } from './routes/ingest-routes.js';
import { searchRoutes } from './routes/search-routes.js';
import { createStore } from './store/create-store.js';
import type { LogStore } from './store/log-store.js';

export interface CollectorApp {
  app: Express;
  store: LogStore;
  /** Releases the store's connections; the caller closes the HTTP server first. */
  close(): Promise<void>;
}

/** Builds the collector without listening, so tests drive it in-process. The store is initialised here. */
export async function createApp(
  config: CollectorConfig,
  logger: Logger,
  store: LogStore = createStore(config, logger),
): Promise<CollectorApp> {
  await store.init();
  const verifier = new TokenVerifier(config.data_dir, config.token_reload_interval);
  const ingest = new IngestService(store, { maxMessageBytes: config.limits.max_message_bytes });

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(healthRoutes(store));
  app.use(ingestRoutes(ingest, verifier, config.limits.max_body_bytes));
  app.use(searchRoutes(store, verifier));
  app.use((req, _res, next) => next(new CollectorError('NOT_FOUND', `No route for ${req.method} ${req.path}.`, 404)));
  app.use(errorHandler(logger));
  return { app, store, close: () => store.close() };
}
