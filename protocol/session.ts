import { z } from 'zod';

/** What `POST /api/v1/session` says when its body holds no token. */
const NO_TOKEN = 'Send {"token": "<a read or admin token>"}.';

/** The body of `POST /api/v1/session`: a read or admin token, exchanged for a session cookie. */
export const sessionRequestSchema = z.object(
  { token: z.string({ error: NO_TOKEN }).min(1, NO_TOKEN) },
  { error: NO_TOKEN },
);

/** The answer of `GET /api/v1/session`: whether the browser is signed in, and as which token. */
export const sessionStateSchema = z.object({
  signed_in: z.boolean(),
  name: z.string().optional(),
  scope: z.enum(['ingest', 'read', 'admin']).optional(),
});
export type SessionState = z.infer<typeof sessionStateSchema>;
