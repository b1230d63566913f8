import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { FiringAlert } from '../../protocol/status.js';

/** What the alert engine tells the rest of the collector. */
export interface AlertSource {
  firing(): Promise<FiringAlert[]>;
}

/**
 * Where alert evaluation plugs into monitoring: the engine attaches itself as the source of firing alerts and
 * reports each evaluation. Until one is attached, `/status` says alerts are not evaluated by this collector and the
 * metrics stay at zero.
 */
export class AlertHook {
  private source: AlertSource | null = null;
  private readonly evaluations: Counter;
  private readonly evaluationTime: Histogram;

  constructor(registry: Registry) {
    this.evaluations = new Counter({
      name: 'logship_collector_alert_evaluations_total',
      help: 'Alert rule evaluations, by outcome (ok: the rule was evaluated; error: its query failed).',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.evaluationTime = new Histogram({
      name: 'logship_collector_alert_evaluation_seconds',
      help: 'Time to evaluate one alert rule.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    const firing = () => this.firing();
    new Gauge({
      name: 'logship_collector_alerts_firing',
      help: 'Alert rules firing now.',
      registers: [registry],
      async collect() {
        this.set((await firing())?.length ?? 0);
      },
    });
  }

  /** The alert engine registers here once it runs. */
  attach(source: AlertSource): void {
    this.source = source;
  }

  /** Counts one rule evaluation and its time. */
  evaluated(outcome: 'ok' | 'error', seconds: number): void {
    this.evaluations.inc({ outcome });
    this.evaluationTime.observe(seconds);
  }

  /** The firing alerts, or null when no alert engine is attached. */
  async firing(): Promise<FiringAlert[] | null> {
    return this.source ? this.source.firing() : null;
  }
}
