import { z } from 'zod';
import { list, once, wholeNumber } from './query-params.js';
import { count, isoTime, totalSchema } from './wire-values.js';

/** The most dead letters one page may ask for. */
export const MAX_DEAD_LETTER_LIMIT = 1000;

/** The parameters of `GET /api/v1/deadletter`; the window defaults to the last week (see the route). */
export const deadLetterQuerySchema = z.object({
  from: once('from'),
  to: once('to'),
  limit: wholeNumber('limit', 100, 1, MAX_DEAD_LETTER_LIMIT),
  code: list('code'),
  cursor: once('cursor'),
});

/** One entry of `GET /api/v1/deadletter`: a rejected event with its reason, newest first. */
export const deadLetterEntrySchema = z.object({
  id: z.string(),
  received_at: isoTime,
  code: z.string(),
  reason: z.string(),
  token: z.string().nullable().describe('Name of the token that sent the event; null when the sender was not known.'),
  original: z
    .string()
    .optional()
    .describe('The original line (or its first bytes, see original_truncated), when it was UTF-8.'),
  original_base64: z.string().optional().describe('The original bytes in base64, when they were not UTF-8.'),
  original_bytes: count.optional().describe('Bytes of the whole original line.'),
  original_sha256: z.string().optional().describe('SHA-256 (hex) of the whole original line.'),
  original_truncated: z
    .boolean()
    .optional()
    .describe('Only the first bytes of the original were kept (limits.deadletter_max_original_bytes).'),
});
export type DeadLetterEntry = z.infer<typeof deadLetterEntrySchema>;

/** The answer of `GET /api/v1/deadletter`. */
export const deadLetterPageSchema = z.object({
  dead_letters: z.array(deadLetterEntrySchema),
  total: totalSchema,
  next_cursor: z.string().nullable().describe('Pass as `cursor` for the next (older) page; null on the last page.'),
});
export type DeadLetterPage = z.infer<typeof deadLetterPageSchema>;
