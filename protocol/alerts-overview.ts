import { z } from 'zod';
import { list } from './query-params.js';
import { count, isoTime } from './wire-values.js';

/**
 * The states of one alert (a rule, or a rule and one host): `pending` while the condition holds for less than
 * `for`, `firing`, then `resolved` once the resolve condition held for `resolve.for`. Only firing and resolved are
 * notified.
 */
export const alertStateNameSchema = z.enum(['pending', 'firing', 'resolved']);
export type AlertStateName = z.infer<typeof alertStateNameSchema>;

/** The query of `GET /api/v1/alerts`: `state` (repeatable) keeps only alerts in those states. */
export const alertsQuerySchema = z.object({
  state: list('state').transform((values, ctx) => {
    const states = values.filter((v): v is AlertStateName => alertStateNameSchema.safeParse(v).success);
    if (states.length === values.length) return states;
    ctx.issues.push({ code: 'custom', message: '"state" must be pending, firing or resolved.', input: values });
    return z.NEVER;
  }),
});

/** One alert's state as `GET /api/v1/alerts` lists it. */
export const alertStateViewSchema = z.strictObject({
  rule: z.string(),
  host: z.string().nullable().describe('The host of a per-host rule; null for a rule over all hosts.'),
  state: alertStateNameSchema,
  since: isoTime.describe('When the current state began.'),
  value: count.describe(
    'The count at the last state change (for host_silent: matching events of the host within silent_for).',
  ),
  firing_since: isoTime.nullable().describe('When the alert last started firing (kept while resolved).'),
  link: z.url().describe("The UI's search for the matching events."),
});
export type AlertStateView = z.infer<typeof alertStateViewSchema>;

/** How one rule's last evaluation went. */
export const alertRuleStatusSchema = z.strictObject({
  name: z.string(),
  enabled: z.boolean(),
  status: z
    .enum(['ok', 'pending', 'firing', 'error'])
    .describe(
      'firing if any of its alerts fires, else pending if any is pending, else ok; error when the last evaluation failed.',
    ),
  firing: count,
  pending: count,
  evaluated_at: isoTime.nullable(),
  evaluation_ms: count.nullable(),
  error: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
  notifications_waiting: count.describe(
    'Notifications waiting to be delivered (a receiver that is down, retries under way).',
  ),
});
export type AlertRuleStatus = z.infer<typeof alertRuleStatusSchema>;

/** The answer of `GET /api/v1/alerts`. */
export const alertsOverviewSchema = z.strictObject({
  evaluator: z
    .strictObject({ holder: z.string().describe('host/pid/random'), since: isoTime, renewed_at: isoTime })
    .nullable()
    .describe('The collector that evaluates and sends now (it holds the lease in the store); null when none does.'),
  alerts: z.array(alertStateViewSchema),
  rules: z.array(alertRuleStatusSchema),
});
export type AlertsOverview = z.infer<typeof alertsOverviewSchema>;
