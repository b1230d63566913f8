import { z } from 'zod';
import { alertRuleStatusSchema, alertStateViewSchema, alertsOverviewSchema } from './alerts-overview.js';
import { storeNoticeSchema } from './health.js';
import { count, isoTime } from './wire-values.js';

/** Hosts listed per kind in `GET /api/v1/status`; the counts beside the lists cover every host. */
export const MAX_STATUS_HOSTS = 20;

/** Firing alerts listed in `GET /api/v1/status`; `firing_count` covers them all. */
export const MAX_STATUS_ALERTS = 20;

/** The answer of `GET /api/v1/status`: the state of the service on one screen (`logship status`). */
export const serviceStatusSchema = z.object({
  at: isoTime.describe('When the collector put this answer together.'),
  store: z.object({
    kind: z.enum(['elasticsearch', 'embedded']),
    ready: z.boolean(),
    problem: storeNoticeSchema.nullable().describe('Why the store is not ready, as /readyz says it.'),
  }),
  ingest: z
    .object({ events_last_minute: count, events_per_s: z.number().min(0) })
    .nullable()
    .describe(
      'Events stored in the last minute by every collector of the store (by event.ingested); null when the store cannot count them.',
    ),
  hosts: z
    .object({
      total: count,
      silent: z
        .array(
          z.object({
            host: z.string(),
            last_seen: isoTime.nullable(),
            silent_for_s: z.number().min(0).nullable(),
          }),
        )
        .max(MAX_STATUS_HOSTS)
        .describe('Hosts heard of neither by event nor heartbeat for search.host_silent_after, most silent first.'),
      silent_count: count,
      lagging: z
        .array(
          z.object({
            host: z.string(),
            lag_s: z.number().min(0).nullable(),
            backlog_bytes: z.number().min(0).nullable(),
          }),
        )
        .max(MAX_STATUS_HOSTS)
        .describe(
          'Hosts past monitoring.lagging_after (read to stored, as seen by the collector that answered) or monitoring.lagging_backlog (bytes their shipper has not had acknowledged), most behind first.',
        ),
      lagging_count: count,
    })
    .nullable()
    .describe('null when the store could not be asked.'),
  dead_letters: z
    .object({ last_hour: count, by_code: z.record(z.string(), count) })
    .nullable()
    .describe('Dead letters received in the last hour, by code; null when the store could not be asked.'),
  alerts: z
    .object({
      evaluator: alertsOverviewSchema.shape.evaluator,
      firing: z
        .array(alertStateViewSchema)
        .max(MAX_STATUS_ALERTS)
        .describe('Alerts firing now, as GET /api/v1/alerts lists them.'),
      firing_count: count,
      failing_rules: z
        .array(alertRuleStatusSchema.pick({ name: true, error: true }))
        .describe('Rules whose last evaluation failed, with the error.'),
    })
    .nullable()
    .describe('The alerting, as the store holds it (any collector answers the same); null when it could not be read.'),
  errors: z
    .array(z.object({ section: z.string(), code: z.string(), message: z.string() }))
    .describe('Sections that could not be filled in, with the error code (e.g. the store is down).'),
});
export type ServiceStatus = z.infer<typeof serviceStatusSchema>;
