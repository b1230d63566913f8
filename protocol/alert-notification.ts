import { z } from 'zod';
import { conditionSchema } from './alert-rule.js';
import { count, isoTime } from './wire-values.js';

/**
 * The body of a generic webhook notification (`type: webhook`), one per state change and receiver. The same
 * change delivered twice (at-least-once delivery, docs/alerts.md) carries the same `idempotency_key`, also sent as
 * the `Idempotency-Key` header, so a receiver can drop the repeat.
 */
export const alertNotificationSchema = z
  .strictObject({
    version: z.literal(1),
    idempotency_key: z.string().describe('The same on every delivery of one state change: drop repeats by it.'),
    event: z.enum(['firing', 'resolved']).describe('The state the alert changed to.'),
    rule: z.strictObject({ name: z.string(), description: z.string(), query: z.string(), condition: conditionSchema }),
    host: z.string().nullable().describe('The host of a per-host rule; null for a rule over all hosts.'),
    value: count.describe(
      'The count that made the change (for host_silent: matching events of the host within silent_for).',
    ),
    changed_at: isoTime.describe('When the state changed (the evaluation that saw it).'),
    firing_since: isoTime.describe('When the alert started firing (for resolved: how long it fired).'),
    window: z.strictObject({ from: isoTime, to: isoTime }).describe('The window the link shows.'),
    link: z.url().describe("The UI's search for the matching events, time window and query filled in."),
    summary: z
      .string()
      .describe(
        'One sentence for people, e.g. "api-errors is firing on web-1: 153 matching events in 5m (above 100)".',
      ),
  })
  .describe(
    'The body a webhook notifier receives (POST, application/json, also the Idempotency-Key header), one per state change.',
  );
export type AlertNotification = z.infer<typeof alertNotificationSchema>;
