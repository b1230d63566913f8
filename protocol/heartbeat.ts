import { z } from 'zod';
import { count, isoTime } from './wire-values.js';

/**
 * `POST /api/v1/heartbeat` (ingest scope), sent by every shipper every few seconds even when no line was read,
 * so the collector can tell a silent host (shipper gone) from a quiet one (nothing to log), and measure how far
 * the host's clock is from the collector's. One schema: the route validates with it, the shipper and the stores use
 * its type.
 */

/** The four times of one heartbeat exchange, as NTP names them t1…t4. */
export const clockSampleSchema = z.object({
  /** t1: the shipper sent the heartbeat (host clock). */
  sent_at: isoTime,
  /** t2: the collector received it (collector clock, from the collector's answer). */
  collector_received_at: isoTime,
  /** t3: the collector answered (collector clock). */
  collector_replied_at: isoTime,
  /** t4: the shipper received the answer (host clock). */
  received_at: isoTime,
});
export type ClockSample = z.infer<typeof clockSampleSchema>;

/** A shipper reports at most this many recent exchanges; the collector filters them. */
export const MAX_CLOCK_SAMPLES = 16;

export const heartbeatSchema = z.object({
  host: z.string().min(1).max(255),
  /** logship version of the shipper. */
  version: z.string().max(64),
  /** When this shipper process started (ISO-8601). */
  started_at: isoTime,
  /** When the heartbeat was sent (ISO-8601, host clock). */
  sent_at: isoTime,
  /** Seconds between heartbeats; the collector calls a host silent after a few missed ones. */
  interval_s: z.number().positive().max(86_400),
  inputs: z
    .array(z.object({ paths: z.array(z.string()), service: z.string().optional(), files: z.number().int().min(0) }))
    .max(1000),
  /** Bytes written to watched files but not yet acknowledged by a collector, summed over files. */
  lag_bytes: z.number().min(0),
  /** The latest completed heartbeat exchanges, oldest first (absent from shippers older than clock measuring). */
  clock_samples: z.array(clockSampleSchema).max(MAX_CLOCK_SAMPLES).optional(),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

/** The collector's answer to a heartbeat: its t2 and t3, which the shipper reports back in its next heartbeat. */
export const heartbeatAnswerSchema = z.object({
  received_at: isoTime.describe('t2: when the collector received the heartbeat.'),
  replied_at: isoTime.describe('t3: when it answered.'),
});
export type HeartbeatAnswer = z.infer<typeof heartbeatAnswerSchema>;

/**
 * How far a host's clock is from the collector's, as the stores keep it. `offset_ms` is host clock minus collector
 * clock: a host 90 s behind has -90000, and its events are aligned by subtracting it.
 */
export const hostClockSchema = z.object({
  offset_ms: z.number().int().describe("The host's clock minus the collector's (negative: behind)."),
  bound_ms: count.describe('The true offset is within offset_ms ± bound_ms: half the round trip, plus drift since.'),
  delay_ms: count.describe('The round trip of the chosen exchange (the shortest of the reported ones).'),
  samples: z.number().int().min(1).describe('Exchanges the estimate was chosen from.'),
  measured_at: isoTime.describe('When the chosen exchange reached the collector (collector clock).'),
  line_delay_ms: z
    .number()
    .int()
    .nullable()
    .describe(
      "Median of read time minus line time over the host's recent events (both host clock): a clearly negative one " +
        "means the lines' clock is not the shipper's.",
    ),
  line_events: count.describe('Events the line delay was taken from.'),
});
export type HostClock = z.infer<typeof hostClockSchema>;
