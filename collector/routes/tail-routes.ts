import { Router } from 'express';
import type { Logger } from 'pino';
import { requireScope } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-store.js';
import { parseQueryParams, one, type RawParams } from '../query/search-params.js';
import { decodeTailPosition } from '../query/tail-position.js';
import type { LogStore } from '../store/log-store.js';
import { pause, sseEvent, TAIL_DEFAULTS, TailStream, type TailStreamOptions } from './tail-stream.js';

/**
 * `GET /api/v1/tail`: Server-Sent Events of new matching events. Resumes after `Last-Event-ID` (header, or the
 * `last_event_id` parameter for clients that cannot set headers); a comment every `heartbeatMs` keeps proxies
 * from closing an idle stream.
 */
export function tailRoutes(
  store: LogStore,
  verifier: TokenVerifier,
  logger: Logger,
  heartbeatMs: number,
  options: TailStreamOptions = TAIL_DEFAULTS,
  /** Streams open now, for `/metrics`. */
  streams: { open: number } = { open: 0 },
): Router {
  const router = Router();
  router.get('/api/v1/tail', requireScope(verifier, 'read'), async (req, res) => {
    const params = req.query as RawParams;
    const query = parseQueryParams(params);
    const resumeText = req.headers['last-event-id'] ?? one(params, 'last_event_id');
    const floor = typeof resumeText === 'string' && resumeText !== '' ? decodeTailPosition(resumeText) : undefined;
    const stream = new TailStream(store, query, floor ?? { ingestedMs: Date.now(), id: '' }, options);

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx buffers responses unless told not to; a buffered tail is no tail.
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\n: tail started\n\n`);
    const closed = new AbortController();
    streams.open++;
    // The response closes when the client goes away; the request may have closed long before (no body).
    res.on('close', () => {
      streams.open--;
      closed.abort();
    });
    // Once the server stops listening (SIGTERM), streams end so the drain does not wait for them; clients reconnect
    // with Last-Event-ID, to this collector after a restart or to another one.
    const server = (req.socket as { server?: { listening?: boolean } }).server;
    let lastWrite = Date.now();
    let failures = 0;
    while (!closed.signal.aborted && server?.listening !== false) {
      try {
        const events = await stream.poll();
        failures = 0;
        if (events.length > 0) {
          res.write(events.map(sseEvent).join(''));
          lastWrite = Date.now();
        }
      } catch (err) {
        failures++;
        logger.warn({ err: (err as Error).message }, 'A tail poll failed; retrying.');
        res.write(`event: error\ndata: ${JSON.stringify({ code: (err as { code?: string }).code ?? 'INTERNAL' })}\n\n`);
      }
      if (Date.now() - lastWrite >= heartbeatMs) {
        res.write(`: keep-alive ${new Date().toISOString()}\n\n`);
        lastWrite = Date.now();
      }
      await pause(failures > 0 ? Math.min(30_000, options.pollMs * 2 ** failures) : options.pollMs, closed.signal);
    }
    if (closed.signal.aborted) return;
    // Shutting down: a keep-alive socket left open after the stream would hold the server's close until it times out.
    const socket = req.socket;
    res.end(() => socket.destroy());
  });
  return router;
}
