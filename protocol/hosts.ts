import { z } from 'zod';
import { hostClockSchema } from './heartbeat.js';
import { count, isoTime } from './wire-values.js';

/** A host's clock as `/hosts` shows it: the stored estimate with what the collector makes of it. */
export const hostClockStatusSchema = hostClockSchema.extend({
  skewed: z.boolean().describe('|offset_ms| is past clock.skew_threshold (default 2 s).'),
  lines_agree: z
    .boolean()
    .describe("false when lines are read clearly before their own time: they carry another clock than the shipper's."),
});

/** One row of `GET /api/v1/hosts`. */
export const hostStatusSchema = z.object({
  host: z.string(),
  last_seen: isoTime.nullable().describe('The later of the last stored event and the last heartbeat.'),
  events_5m: count,
  status: z.enum(['ok', 'silent']).describe('silent when nothing arrived for search.host_silent_after (default 5m).'),
  last_event_at: isoTime.nullable(),
  last_heartbeat_at: isoTime.nullable(),
  version: z.string().nullable().describe("The shipper's logship version, from its latest heartbeat."),
  lag_bytes: z.number().min(0).nullable().describe('Bytes the shipper has not had acknowledged yet.'),
  clock: hostClockStatusSchema.nullable().describe("The host's measured clock offset, when the collector has one."),
});
export type HostStatus = z.infer<typeof hostStatusSchema>;

/** The answer of `GET /api/v1/hosts`: every host that ever shipped. */
export const hostListSchema = z.array(hostStatusSchema);
