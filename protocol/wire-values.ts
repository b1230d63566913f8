import { z } from 'zod';

/**
 * The value shapes every wire schema is built from, so a time or a count reads the same in every answer and in the
 * API description.
 */

/** An ISO-8601 time (`2026-03-01T12:00:00.000Z`): checked where it is received, `date-time` in the API description. */
export const isoTime = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)), {
    message: 'must be an ISO-8601 time',
  })
  .meta({ format: 'date-time' });

/** A count: a whole number, never negative. */
export const count = z.number().int().min(0);

/** How many events matched: exact (`eq`), or at least `value` when counting stopped early (`gte`). */
export const totalSchema = z.object({ value: count, relation: z.enum(['eq', 'gte']) });
export type Total = z.infer<typeof totalSchema>;
