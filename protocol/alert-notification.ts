import type { AlertCondition } from './alert-rule.js';

/**
 * The body of a generic webhook notification (`type: webhook`), one per state change and receiver. The same
 * change delivered twice (at-least-once delivery, docs/alerts.md) carries the same `idempotency_key`, also sent as
 * the `Idempotency-Key` header, so a receiver can drop the repeat.
 */
export interface AlertNotification {
  version: 1;
  idempotency_key: string;
  /** The state the alert changed to. */
  event: 'firing' | 'resolved';
  rule: { name: string; description: string; query: string; condition: AlertCondition };
  /** The host of a per-host rule; null for a rule over all hosts. */
  host: string | null;
  /** The count that made the change (for host_silent: matching events of the host within silent_for). */
  value: number;
  /** When the state changed (the evaluation that saw it). */
  changed_at: string;
  /** When the alert started firing (for `resolved`: how long it fired). */
  firing_since: string;
  /** The window the link shows. */
  window: { from: string; to: string };
  /** The UI's search for the matching events, time window and query filled in. */
  link: string;
  /** One sentence for people, e.g. "api-errors is firing on web-1: 153 matching events in 5m (above 100)". */
  summary: string;
}
