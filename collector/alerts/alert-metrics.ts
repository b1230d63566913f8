import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { NotifierType } from '../../protocol/alert-rule.js';

/** Why a notification attempt failed (it is retried) or a notification was dropped (it is not). */
export type NotificationFailure =
  /** The receiver answered 5xx, 408, 425 or 429: retried. */
  | 'http_unavailable'
  /** No answer: connection refused or reset, DNS failure, timeout: retried. */
  | 'network'
  /** The receiver refused it for good (another 4xx): dropped. */
  | 'rejected'
  /** Still undelivered after `alerts.delivery.give_up_after`: dropped. */
  | 'expired'
  /** The URL is outside `alerts.delivery.allowed_urls`, or resolves to a link-local address: dropped. */
  | 'not_allowed'
  /** The rule or the notifier was deleted before delivery: dropped. */
  | 'notifier_removed'
  /** A rule's outbox held OUTBOX_LIMIT notifications already (a receiver down for long, a flapping rule): dropped. */
  | 'overflow';

/** The alerting's counters (docs/metrics.md): on every collector, though only the evaluator's move. */
export class AlertMetrics {
  readonly evaluations: Counter<'result'>;
  readonly evaluationSeconds: Histogram;
  readonly stateChanges: Counter<'to'>;
  readonly attempts: Counter<'type'>;
  readonly failures: Counter<'type' | 'reason'>;
  readonly delivered: Counter<'type'>;
  readonly leaseHeld: Gauge;
  readonly leaseAcquired: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.evaluations = new Counter({
      name: 'logship_alert_evaluations_total',
      help: 'Rule evaluations by this collector, by result (ok, error).',
      labelNames: ['result'],
      registers,
    });
    this.evaluationSeconds = new Histogram({
      name: 'logship_alert_evaluation_seconds',
      help: 'Time to evaluate one rule (its store queries and the state write).',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.stateChanges = new Counter({
      name: 'logship_alert_state_changes_total',
      help: 'Alert state changes written by this collector, by new state (pending, firing, resolved, inactive).',
      labelNames: ['to'],
      registers,
    });
    this.attempts = new Counter({
      name: 'logship_alert_notification_attempts_total',
      help: 'Notification requests sent, by notifier type.',
      labelNames: ['type'],
      registers,
    });
    this.failures = new Counter({
      name: 'logship_alert_notification_failures_total',
      help: 'Notification attempts that failed (retried) or notifications dropped, by type and reason.',
      labelNames: ['type', 'reason'],
      registers,
    });
    this.delivered = new Counter({
      name: 'logship_alert_notifications_delivered_total',
      help: 'Notifications a receiver accepted (2xx), by notifier type.',
      labelNames: ['type'],
      registers,
    });
    this.leaseHeld = new Gauge({
      name: 'logship_alert_lease_held',
      help: '1 while this collector holds the evaluation lease (evaluates and sends), else 0.',
      registers,
    });
    this.leaseAcquired = new Counter({
      name: 'logship_alert_lease_acquisitions_total',
      help: 'Times this collector took the evaluation lease.',
      registers,
    });
  }

  failed(type: NotifierType, reason: NotificationFailure): void {
    this.failures.inc({ type, reason });
  }
}
