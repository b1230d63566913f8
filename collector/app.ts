import express, { type Express } from 'express';
import { Gauge } from 'prom-client';
import type { Logger } from 'pino';
import { LoginCodes } from './auth/login-codes.js';
import { ClockMetrics } from './clock/clock-metrics.js';
import { LineDelays } from './clock/line-delays.js';
import { TokenVerifier } from './auth/token-store.js';
import type { CollectorConfig } from './config.js';
import { CollectorError } from './collector-error.js';
import { BulkService } from './ingest/bulk-service.js';
import { DeadLetterKeeper } from './ingest/dead-letter-keeper.js';
import { IngestMetrics } from './ingest/ingest-metrics.js';
import { IngestService } from './ingest/ingest-service.js';
import { registerHostMetrics } from './monitoring/host-state.js';
import { registerStoreHealth } from './monitoring/store-health-metrics.js';
import { StatusReport } from './monitoring/status-report.js';
import { startRetention } from './retention/retention-job.js';
import { bulkRoutes, elasticsearchFallback } from './routes/bulk-routes.js';
import { deadLetterRoutes } from './routes/deadletter-routes.js';
import { metricsRoutes, requestTiming } from './routes/metrics-routes.js';
import { errorHandler } from './routes/error-handler.js';
import { healthRoutes } from './routes/health-routes.js';
import { ingestAdmission } from './routes/ingest-admission.js';
import { ingestRoutes } from './routes/ingest-routes.js';
import { searchRoutes } from './routes/search-routes.js';
import { contextRoutes } from './routes/context-routes.js';
import { eventRoutes } from './routes/event-routes.js';
import { hostRoutes } from './routes/host-routes.js';
import { exportRoutes } from './routes/export-routes.js';
import { patternRoutes } from './routes/pattern-routes.js';
import { openApiRoutes } from './routes/openapi-routes.js';
import { TailHub } from './routes/tail-hub.js';
import { tailRoutes } from './routes/tail-routes.js';
import { TAIL_DEFAULTS } from './routes/tail-stream.js';
import { sessionRoutes } from './routes/session-routes.js';
import { statusRoutes } from './routes/status-routes.js';
import { securityHeaders, uiRoutes } from './routes/ui-routes.js';
import { createStore } from './store/create-store.js';
import { alertRoutes } from './routes/alert-routes.js';
import { startAlerting } from './alerts/start-alerting.js';
import { alertsOverview } from './alerts/alert-overview.js';
import { clientCertificateGate } from './tls/client-certificate-gate.js';
import type { LogStore } from './store/log-store.js';

export interface CollectorApp {
  app: Express;
  store: LogStore;
  /** One-time login links for `logship standalone`. */
  loginCodes: LoginCodes;
  /** The tokens and UI sessions of the data directory. */
  verifier: TokenVerifier;
  /** Called when the server stops listening: live tails end and reads under way fail, so the drain is quick. */
  beginShutdown(): void;
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
  const verifier = new TokenVerifier(config.data_dir, config.token_reload_interval, {
    idleMs: config.sessions.idle_timeout,
    maxLifetimeMs: config.sessions.max_lifetime,
  });
  const metrics = new IngestMetrics({
    maxHostSeries: config.monitoring.max_hosts,
    lagStaleAfterMs: config.search.host_silent_after,
  });
  store.registerMetrics?.(metrics.registry);
  registerStoreHealth(metrics.registry, store);
  registerHostMetrics(metrics.registry, store, {
    silentAfterMs: config.search.host_silent_after,
    maxHosts: config.monitoring.max_hosts,
  });
  const deadLetters = new DeadLetterKeeper(store, {
    maxOriginalBytes: config.limits.deadletter_max_original_bytes,
    budgetPerToken: config.limits.deadletter_budget_per_token,
  });
  const lineDelays = new LineDelays();
  const clockMetrics = new ClockMetrics(metrics.registry, config.search.host_silent_after);
  metrics.clockOffsetMs = (host) => clockMetrics.offsetMs(host);
  const ingest = new IngestService(
    store,
    { maxMessageBytes: config.limits.max_message_bytes },
    metrics,
    deadLetters,
    lineDelays,
  );
  const bulk = new BulkService(
    store,
    config.elasticsearch?.index_prefix ?? 'logship',
    config.limits.max_message_bytes,
    metrics,
    deadLetters,
  );
  const retention = startRetention(
    store,
    { retentionDays: config.retention_days, deadLetterRetentionDays: config.deadletter_retention_days },
    logger,
  );

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // X-Forwarded-Proto (req.secure: the Secure cookie) and X-Forwarded-For (req.ip) count only from these peers;
  // from anyone else they are ignored, so a client cannot claim HTTPS or another address.
  if (config.trusted_proxies.length > 0) app.set('trust proxy', [...config.trusted_proxies]);
  app.use(securityHeaders());
  app.use(requestTiming(metrics));
  app.use(clientCertificateGate(config.tls, logger));
  app.use(healthRoutes(store));
  app.use(metricsRoutes(metrics));
  // One admission budget for both write doors, so neither can starve the other of memory.
  const admission = ingestAdmission({
    max: config.limits.max_ingest_in_flight,
    maxPerToken: config.limits.max_ingest_in_flight_per_token,
    maxBytes: config.limits.max_ingest_bytes_in_flight,
    bodyIdleMs: config.limits.body_idle_timeout,
    bodyReadMs: config.limits.body_read_timeout,
  });
  app.use(bulkRoutes(bulk, verifier, config.limits.max_body_bytes, admission));
  app.use(deadLetterRoutes(store, verifier, config.limits.deadletter_max_original_bytes));
  app.use(ingestRoutes(ingest, verifier, config.limits.max_body_bytes, admission));
  app.use(searchRoutes(store, verifier));
  app.use(contextRoutes(store, verifier));
  app.use(eventRoutes(store, verifier));
  app.use(
    exportRoutes(
      store,
      verifier,
      {
        defaultEvents: config.export.default_events,
        maxEvents: config.export.max_events,
      },
      logger,
    ),
  );
  app.use(
    patternRoutes(store, verifier, {
      maxSample: config.patterns.max_sample,
      timeLimitMs: config.patterns.time_limit,
    }),
  );
  app.use(
    hostRoutes(store, verifier, {
      silentAfterMs: config.search.host_silent_after,
      skewThresholdMs: config.clock.skew_threshold,
      lineDelays,
      clockMetrics,
    }),
  );
  const tails = new TailHub(
    store,
    TAIL_DEFAULTS,
    { maxStreams: config.search.tail_max_streams, maxStreamsPerToken: config.search.tail_max_streams_per_token },
    logger,
  );
  app.use(tailRoutes(tails, verifier, config.search.tail_heartbeat));
  const alerting = startAlerting(store, config, metrics.registry, logger);
  app.use(alertRoutes(store, alerting.rules, alerting.states, verifier, alerting.publicUrl));
  new Gauge({
    name: 'logship_collector_tail_streams',
    help: 'Live tails (/api/v1/tail) open on this collector.',
    registers: [metrics.registry],
    collect() {
      this.set(tails.open);
    },
  });
  // What fires is read from the store, as GET /api/v1/alerts answers it: every collector tells the same.
  const firing = () => alertsOverview(store, alerting.rules, alerting.states, alerting.publicUrl, ['firing']);
  const report = new StatusReport(store, metrics, firing, {
    kind: config.elasticsearch ? 'elasticsearch' : 'embedded',
    silentAfterMs: config.search.host_silent_after,
    laggingAfterMs: config.monitoring.lagging_after,
    laggingBacklogBytes: config.monitoring.lagging_backlog,
  });
  app.use(statusRoutes(report, verifier));
  app.use(openApiRoutes());
  const loginCodes = new LoginCodes();
  app.use(sessionRoutes(verifier, loginCodes));
  app.use(elasticsearchFallback());
  app.use(uiRoutes());
  app.use((req, _res, next) => next(new CollectorError('NOT_FOUND', `No route for ${req.method} ${req.path}.`, 404)));
  app.use(errorHandler(logger));
  return {
    app,
    store,
    loginCodes,
    verifier,
    beginShutdown: () => {
      tails.close();
      store.interruptReads?.();
    },
    close: async () => {
      tails.close();
      retention.stop();
      // Sends under way are settled and the lease released while the store is still open.
      await alerting.stop();
      verifier.close();
      return store.close();
    },
  };
}
