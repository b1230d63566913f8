import express, { Router } from 'express';
import { heartbeatSchema, type HeartbeatAnswer, type HostClock } from '../../protocol/heartbeat.js';
import type { HostStatus } from '../../protocol/hosts.js';
import { requireScope } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-store.js';
import { estimateClock } from '../clock/clock-estimate.js';
import type { ClockMetrics } from '../clock/clock-metrics.js';
import type { LineDelays } from '../clock/line-delays.js';
import { hostState } from '../monitoring/host-state.js';
import type { LogStore } from '../store/log-store.js';
import { parseInput } from './request-input.js';

/** What `/hosts` and the heartbeat route need besides the store. */
export interface HostRouteOptions {
  /** A host with neither an event nor a heartbeat for this long is `silent`. */
  silentAfterMs: number;
  /** A host whose clock is further than this from the collector's is flagged `skewed`. */
  skewThresholdMs: number;
  lineDelays: LineDelays;
  clockMetrics: ClockMetrics;
}

/** `GET /api/v1/hosts` and the shippers' `POST /api/v1/heartbeat`. */
export function hostRoutes(store: LogStore, verifier: TokenVerifier, options: HostRouteOptions): Router {
  const router = Router();

  router.post(
    '/api/v1/heartbeat',
    // t2 of the exchange: taken before auth and body parsing, whose time then counts as the collector's own (t3 - t2)
    // and not as network delay.
    (_req, res, next) => {
      res.locals.receivedAtMs = Date.now();
      next();
    },
    requireScope(verifier, 'ingest'),
    express.json({ limit: '256kb', type: () => true }),
    async (req, res) => {
      const receivedAt = new Date(res.locals.receivedAtMs as number);
      const heartbeat = parseInput(heartbeatSchema, req.body, {
        message: (issue) => `The heartbeat is invalid: ${issue.path.join('.') || 'body'} ${issue.message}.`,
      });
      const estimate = estimateClock(heartbeat.clock_samples ?? [], receivedAt.getTime());
      let clock: HostClock | null = null;
      if (estimate) {
        const lines = options.lineDelays.summary(heartbeat.host);
        clock = { ...estimate, line_delay_ms: lines.medianMs, line_events: lines.events };
        options.clockMetrics.observe(heartbeat.host, clock);
      }
      await store.recordHeartbeat(heartbeat, receivedAt, clock);
      const answer: HeartbeatAnswer = { received_at: receivedAt.toISOString(), replied_at: new Date().toISOString() };
      res.status(200).json(answer);
    },
  );

  router.get('/api/v1/hosts', requireScope(verifier, 'read'), async (_req, res) => {
    const now = new Date();
    const hosts = await store.hosts(now);
    res.json(
      hosts.map((h): HostStatus => {
        const { lastSeen, silent } = hostState(h, now, options.silentAfterMs);
        return {
          host: h.host,
          last_seen: lastSeen,
          events_5m: h.events5m,
          status: silent ? 'silent' : 'ok',
          last_event_at: h.lastEventAt,
          last_heartbeat_at: h.lastHeartbeatAt,
          version: h.heartbeat?.version ?? null,
          lag_bytes: h.heartbeat?.lag_bytes ?? null,
          clock: h.clock && {
            ...h.clock,
            skewed: Math.abs(h.clock.offset_ms) > options.skewThresholdMs,
            // Lines written "after" the shipper read them cannot share the shipper's clock.
            lines_agree: h.clock.line_delay_ms === null || h.clock.line_delay_ms >= -options.skewThresholdMs,
          },
        };
      }),
    );
  });
  return router;
}
