import { Router } from 'express';
import { requireScope } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-store.js';
import { tailQuerySchema } from '../../protocol/search.js';
import { parseQueryParams } from '../query/search-params.js';
import { decodeTailPosition } from '../query/tail-position.js';
import { parseInput } from './request-input.js';
import type { TailHub } from './tail-hub.js';

/**
 * A subscriber whose unsent output grows past this (a client that stopped reading) is ended: the collector never
 * buffers an unbounded stream for anyone.
 */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * `GET /api/v1/tail`: Server-Sent Events of new matching events, polled by the collector's TailHub. Resumes after
 * `Last-Event-ID` (header, or the `last_event_id` parameter for clients that cannot set headers); a comment every
 * `heartbeatMs` keeps proxies from closing an idle stream.
 */
export function tailRoutes(hub: TailHub, verifier: TokenVerifier, heartbeatMs: number): Router {
  const router = Router();
  router.get('/api/v1/tail', requireScope(verifier, 'read'), (req, res) => {
    const params = parseInput(tailQuerySchema, req.query);
    const query = parseQueryParams(params);
    const resumeText = req.headers['last-event-id'] ?? params.last_event_id;
    const resume = typeof resumeText === 'string' && resumeText !== '' ? decodeTailPosition(resumeText) : undefined;
    // Once the server stops listening (SIGTERM), streams end so the drain does not wait for them; clients reconnect
    // with Last-Event-ID, to this collector after a restart or to another one.
    const server = (req.socket as { server?: { listening?: boolean } }).server;
    let lastWrite = Date.now();
    let open = true;
    const finish = () => {
      if (!open) return;
      open = false;
      unsubscribe();
      // A keep-alive socket left open after the stream would hold the server's close until it times out.
      const socket = req.socket;
      res.end(() => socket.destroy());
    };
    const write = (text: string) => {
      res.write(text);
      lastWrite = Date.now();
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        res.write(`event: error\ndata: ${JSON.stringify({ code: 'TAIL_TOO_SLOW' })}\n\n`);
        finish();
      }
    };
    // Subscribing first: a refused stream (429) is answered as a JSON error, before any SSE header is sent.
    const { unsubscribe, startId } = hub.subscribe(req.token?.name ?? '', query, resume, {
      send: write,
      failed: (code) => write(`event: error\ndata: ${JSON.stringify({ code })}\n\n`),
      idle: () => {
        if (Date.now() - lastWrite >= heartbeatMs) write(`: keep-alive ${new Date().toISOString()}\n\n`);
      },
      alive: () => open && !res.destroyed && server?.listening !== false,
      end: finish,
    });
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx buffers responses unless told not to; a buffered tail is no tail.
      'x-accel-buffering': 'no',
    });
    // A new stream's start comes as an id without data: a client that loses the stream before its first event
    // resumes from it, instead of starting afresh and missing what was stored meanwhile.
    res.write(`retry: 2000\n${startId ? `id: ${startId}\n` : ''}\n: tail started\n\n`);
    // The response closes when the client goes away; the request may have closed long before (no body).
    res.on('close', () => {
      open = false;
      unsubscribe();
    });
  });
  return router;
}
