import { z } from 'zod';
import { hitSchema } from './event.js';
import { choice, list, once, wholeNumber } from './query-params.js';
import { isoTime } from './wire-values.js';

/** The most events one side of a context may ask for. */
export const MAX_CONTEXT_SIDE = 1000;

/** The parameters of `GET /api/v1/events/{id}/context`. */
export const contextQuerySchema = z.object({
  window: once('window'),
  align: choice('align', ['clocks', 'none']).default('none'),
  before: wholeNumber('before', 50, 0, MAX_CONTEXT_SIDE),
  after: wholeNumber('after', 50, 0, MAX_CONTEXT_SIDE),
  host: list('host'),
});

/** The answer of `GET /api/v1/events/{id}/context`: events around the anchor, interleaved by time. */
export const contextResultSchema = z.object({
  anchor: hitSchema,
  before: z.array(hitSchema).describe('Oldest first, ending right before the anchor.'),
  after: z.array(hitSchema),
});
export type ContextResult = z.infer<typeof contextResultSchema>;

/** A hit of `/events/{id}/context?align=clocks`: its own time is kept, the aligned time and the shift are added. */
export const alignedHitSchema = hitSchema.extend({
  aligned_timestamp: isoTime.describe("timestamp plus shift_ms: when the event happened on the collector's clock."),
  shift_ms: z
    .number()
    .int()
    .describe("Added to timestamp: minus the host's measured offset; 0 for a host without an estimate."),
});
export type AlignedHit = z.infer<typeof alignedHitSchema>;

/** The answer of `/events/{id}/context?align=clocks`: events ordered by aligned time. */
export const alignedContextResultSchema = z.object({
  anchor: alignedHitSchema,
  before: z.array(alignedHitSchema).describe('Oldest first by aligned time.'),
  after: z.array(alignedHitSchema),
  aligned: z.literal(true),
  shifts: z
    .record(z.string(), z.number().int())
    .describe('The shift applied per host (ms), for every host that has one.'),
});
export type AlignedContextResult = z.infer<typeof alignedContextResultSchema>;
