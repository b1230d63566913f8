import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { CollectorConfig } from '../config.js';
import type { LogStore } from '../store/log-store.js';
import { AlertEngine } from './alert-engine.js';
import { AlertMetrics } from './alert-metrics.js';
import { alertsPublicUrl } from './public-url.js';
import { RuleBook } from './rule-book.js';
import { StateBook } from './state-book.js';

/** The alerting of one collector: the rule and state books the API serves, and the engine when enabled. */
export interface Alerting {
  rules: RuleBook;
  states: StateBook;
  publicUrl: string;
  /** Null when `alerts.enabled` is false: this collector serves the API but never evaluates nor sends. */
  engine: AlertEngine | null;
  stop(): Promise<void>;
}

/** Builds the alerting on an initialised store and starts competing for the evaluation lease. */
export function startAlerting(store: LogStore, config: CollectorConfig, registry: Registry, logger: Logger): Alerting {
  const metrics = new AlertMetrics(registry);
  const rules = new RuleBook(store, config.alerts.delivery.allowed_urls, logger);
  const states = new StateBook(store, logger);
  const publicUrl = alertsPublicUrl(config);
  const engine = config.alerts.enabled
    ? new AlertEngine(store, rules, states, config.alerts, publicUrl, metrics, logger)
    : null;
  engine?.start();
  return { rules, states, publicUrl, engine, stop: async () => engine?.stop() };
}
