import { z } from 'zod';
import { count } from './wire-values.js';

/** One rejected line of an ingest request. */
export const lineErrorSchema = z.object({
  line: z.number().int().min(1).describe('1-based line number in the request body.'),
  code: z.string(),
  reason: z.string(),
});
export type LineError = z.infer<typeof lineErrorSchema>;

/** The answer of `POST /api/v1/ingest`. */
export const ingestResultSchema = z.object({
  accepted: count,
  duplicates: count,
  rejected: count,
  errors: z.array(lineErrorSchema),
});
export type IngestResult = z.infer<typeof ingestResultSchema>;
