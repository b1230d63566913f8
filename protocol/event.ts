import { z } from 'zod';
import { count, isoTime } from './wire-values.js';

/** Wire shapes of events, shared by shipper, collector and UI. */

/** The formats a shipper may name; `auto` lets the collector detect. */
export const FORMATS = ['auto', 'plain', 'json', 'syslog', 'nginx', 'apache', 'postgres', 'mysql'] as const;
export type Format = (typeof FORMATS)[number];

/** Normalised levels, lowest first. */
export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type Level = (typeof LEVELS)[number];

/** One line of `POST /api/v1/ingest`: only `message` is required. */
export const ingestEventSchema = z.object({
  id: z.string().optional(),
  timestamp: isoTime.optional(),
  host: z.string().optional(),
  service: z.string().optional(),
  source: z.string().optional(),
  offset: count.optional(),
  format: z.enum(FORMATS).optional(),
  level: z.enum(LEVELS).optional(),
  message: z.string(),
  fields: z.record(z.string(), z.string()).optional(),
  read_at: isoTime
    .optional()
    .describe('When the shipper read the line; the event time when the line carries none. Kept as event.created.'),
  flags: z
    .array(z.string())
    .optional()
    .describe('truncated (the line exceeded the shipper limit), invalid_utf8 (bytes replaced by U+FFFD).'),
  original_bytes: count.optional().describe("The line's length in bytes before truncation, when truncated is set."),
  original_base64: z
    .string()
    .optional()
    .describe("The line's original bytes (as cut) in base64, when invalid_utf8 is set: message has U+FFFD instead."),
  tz: z
    .string()
    .optional()
    .describe("The sender's IANA time zone (e.g. Europe/Berlin), for line timestamps written without an offset."),
});
export type IngestEvent = z.infer<typeof ingestEventSchema>;

/** A search hit: the same shape as an ingest event, with the stored values filled in. */
export const hitSchema = z.object({
  id: z.string(),
  timestamp: isoTime,
  host: z.string().nullable(),
  service: z.string().nullable(),
  level: z.enum(LEVELS).nullable(),
  source: z.string().nullable(),
  offset: z.number().int().nullable(),
  message: z.string(),
  fields: z.record(z.string(), z.unknown()),
});
export type Hit = z.infer<typeof hitSchema>;

/** `GET /api/v1/events/{id}`: a hit with when its line was read and stored, and the format that parsed it. */
export const eventDetailSchema = hitSchema.extend({
  read_at: isoTime
    .nullable()
    .describe('When the shipper read the line (event.created); null when the sender did not say.'),
  ingested: isoTime.describe('When the collector stored the event (event.ingested).'),
  dataset: z.string().describe('The format whose parser read the line (event.dataset, e.g. nginx).'),
});
export type EventDetail = z.infer<typeof eventDetailSchema>;
