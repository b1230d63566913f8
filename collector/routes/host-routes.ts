import express, { Router } from 'express';
import { z } from 'zod';
import type { Heartbeat } from '../../protocol/heartbeat.js';
import { requireScope } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-store.js';
import { CollectorError } from '../collector-error.js';
import { hostStatus } from '../monitoring/host-status.js';
import type { LogStore } from '../store/log-store.js';

const isoTime = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)), {
  message: 'must be an ISO-8601 time',
});

const heartbeatSchema = z.object({
  host: z.string().min(1).max(255),
  version: z.string().max(64),
  started_at: isoTime,
  sent_at: isoTime,
  interval_s: z.number().positive().max(86_400),
  inputs: z
    .array(z.object({ paths: z.array(z.string()), service: z.string().optional(), files: z.number().int().min(0) }))
    .max(1000),
  lag_bytes: z.number().min(0),
}) satisfies z.ZodType<Heartbeat>;

/** `GET /api/v1/hosts` and the shippers' `POST /api/v1/heartbeat`. */
export function hostRoutes(store: LogStore, verifier: TokenVerifier, silentAfterMs: number): Router {
  const router = Router();

  router.post(
    '/api/v1/heartbeat',
    requireScope(verifier, 'ingest'),
    express.json({ limit: '256kb', type: () => true }),
    async (req, res) => {
      const parsed = heartbeatSchema.safeParse(req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new CollectorError(
          'BAD_PARAMETER',
          `The heartbeat is invalid: ${issue ? `${issue.path.join('.') || 'body'} ${issue.message}` : 'not an object'}.`,
          400,
          { parameter: issue?.path.join('.') ?? 'body' },
        );
      }
      await store.recordHeartbeat(parsed.data, new Date());
      res.status(204).end();
    },
  );

  router.get('/api/v1/hosts', requireScope(verifier, 'read'), async (_req, res) => {
    const now = new Date();
    const hosts = await store.hosts(now);
    res.json(
      hosts.map((h) => {
        const { lastSeen, silent } = hostStatus(h, now, silentAfterMs);
        return {
          host: h.host,
          last_seen: lastSeen,
          events_5m: h.events5m,
          status: silent ? 'silent' : 'ok',
          last_event_at: h.lastEventAt,
          last_heartbeat_at: h.lastHeartbeatAt,
          version: h.heartbeat?.version ?? null,
          lag_bytes: h.heartbeat?.lag_bytes ?? null,
        };
      }),
    );
  });
  return router;
}
