import { z } from 'zod';

/** A coded problem or warning of the store, as `/readyz` shows it; the codes are in docs/error-codes.md. */
export const storeNoticeSchema = z.object({ code: z.string(), message: z.string() });

/** The answer of `GET /healthz`: the process is up. */
export const healthSchema = z.object({ status: z.literal('ok') });

/** The answer of `GET /readyz`: 200 `ready`, or 503 `store_unavailable` with the problem. */
export const readinessSchema = z.object({
  status: z.enum(['ready', 'store_unavailable']),
  problem: storeNoticeSchema.optional().describe('Why the store does not answer (ES_… or STORE_… codes).'),
  warnings: z
    .array(storeNoticeSchema)
    .optional()
    .describe('Something works but needs attention, e.g. ES_CLUSTER_YELLOW.'),
});
export type Readiness = z.infer<typeof readinessSchema>;
