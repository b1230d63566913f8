import { z } from 'zod';
import { count } from './wire-values.js';

/** Every HTTP error of the API has this body; `code` is stable and listed in docs/error-codes.md. */
export const errorBodySchema = z.object({
  error: z
    .object({
      code: z.string(),
      message: z.string(),
      position: count.optional().describe('Where in the query a QUERY_SYNTAX error is (0-based).'),
      parameter: z.string().optional().describe('The parameter a BAD_PARAMETER error is about.'),
    })
    .catchall(z.unknown()),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
