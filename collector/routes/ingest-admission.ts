import { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { ErrorBody } from '../../protocol/error-body.js';
import { CollectorError } from '../collector-error.js';
import { BufferPool } from '../store/buffer-pool.js';
import { readWriteBody } from './body-reader.js';

export interface AdmissionLimits {
  /** Write requests handled at once. */
  max: number;
  /** Of those, at most this many for one token. */
  maxPerToken: number;
  /** Bytes of request bodies (as sent, then as inflated) held at once; one request alone is always let in. */
  maxBytes: number;
  /** A body that sends nothing for this long is answered 408. */
  bodyIdleMs: number;
  /** A body not whole after this long is answered 408. */
  bodyReadMs: number;
}

/** The two steps of admission around a write door's body: `admit` before it is read, `readBody` reads and weighs it. */
export interface WriteAdmission {
  admit: RequestHandler;
  /** Reads the body (gzip inflated within `maxBodyBytes`) and charges its inflated size to the byte budget. */
  readBody(maxBodyBytes: number): RequestHandler[];
}

/**
 * Admits at most `max` write requests at a time (and `maxPerToken` of one token), counted from before their body is
 * read until their answer is sent. One more gets 429 with Retry-After at once, without reading its body, and the
 * shippers keep their data and retry.
 *
 * Requests are not all the same size, so their bodies are weighed too: a request is charged its Content-Length
 * before its body is read, and its inflated size once read (a gzip body is about a tenth of what it holds). Past
 * `maxBytes` held at once, a request is answered 429 as well, before its body is read when its Content-Length is
 * already too much, else as soon as the inflated body is, which frees it at once. A request arriving when nothing is
 * held is always admitted, so a body larger than the budget (but within `max_body_bytes`) still gets in.
 *
 * An admitted request must keep its body coming: 16 uploads that sent a Content-Length and one byte once held every
 * slot for 90 s+, so a body idle for `bodyIdleMs`, or not whole after `bodyReadMs`, is answered 408
 * INGEST_BODY_TIMEOUT, its connection closed and its slot freed.
 */
export function ingestAdmission(limits: AdmissionLimits): WriteAdmission {
  let inFlight = 0;
  let heldBytes = 0;
  const perToken = new Map<string, number>();
  const charged = new WeakMap<Request, number>();
  // The bodies being handled (body-reader.ts): one shipper keeps 4 writes in flight; more are left to the collector.
  const bodies = new BufferPool(8);
  const overloaded = (message: string) => new CollectorError('INGEST_OVERLOADED', message, 429, {}, 1);
  const overBudget = (bytes: number) =>
    overloaded(
      `The collector holds ${heldBytes} bytes of request bodies already and this one has ${bytes} ` +
        `(at most ${limits.maxBytes} at once); retry shortly.`,
    );
  const admit = (req: Request, res: Response, next: NextFunction): void => {
    const token = req.token?.name ?? '';
    const held = perToken.get(token) ?? 0;
    if (inFlight >= limits.max || held >= limits.maxPerToken) {
      const message =
        inFlight >= limits.max
          ? `The collector is handling ${limits.max} writes already; retry shortly.`
          : `This token has ${held} writes in flight already (at most ${limits.maxPerToken}); retry shortly.`;
      next(overloaded(message));
      return;
    }
    const declared = declaredLength(req);
    if (heldBytes > 0 && heldBytes + declared > limits.maxBytes) {
      next(overBudget(declared));
      return;
    }
    inFlight++;
    heldBytes += declared;
    charged.set(req, declared);
    perToken.set(token, held + 1);
    const stopWatch = watchBody(req, res, limits);
    // 'close' fires once per response, whether it finished or the client went away.
    res.once('close', () => {
      stopWatch();
      inFlight--;
      heldBytes -= charged.get(req) ?? 0;
      charged.delete(req);
      const left = (perToken.get(token) ?? 1) - 1;
      if (left > 0) perToken.set(token, left);
      else perToken.delete(token);
    });
    next();
  };
  const weigh = (req: Request, _res: Response, next: NextFunction): void => {
    const before = charged.get(req);
    const size = Buffer.isBuffer(req.body) ? req.body.length : 0;
    if (before === undefined || size <= before) {
      next();
      return;
    }
    const othersHold = heldBytes - before;
    if (othersHold > 0 && othersHold + size > limits.maxBytes) {
      // Refused before it is decoded: the inflated bytes are let go of with the request.
      req.body = undefined;
      next(overBudget(size));
      return;
    }
    heldBytes += size - before;
    charged.set(req, size);
    next();
  };
  return {
    admit,
    readBody: (maxBodyBytes) => [readWriteBody(maxBodyBytes, bodies), weigh],
  };
}

/** The Content-Length a request declares, or 0 (chunked): its inflated size is charged once read either way. */
function declaredLength(req: Request): number {
  const length = Number(req.headers['content-length']);
  return Number.isSafeInteger(length) && length > 0 ? length : 0;
}

/** Checks the body's progress once a second until it is whole; a stalled or endless one is answered 408. */
function watchBody(req: Request, res: Response, limits: AdmissionLimits): () => void {
  const started = Date.now();
  const socket = req.socket;
  let bytes = socket.bytesRead;
  let lastProgress = started;
  const timer = setInterval(
    () => {
      if (req.complete || res.headersSent) {
        clearInterval(timer);
        return;
      }
      const now = Date.now();
      if (socket.bytesRead !== bytes) {
        bytes = socket.bytesRead;
        lastProgress = now;
      }
      const idle = now - lastProgress >= limits.bodyIdleMs;
      if (!idle && now - started < limits.bodyReadMs) return;
      clearInterval(timer);
      const body: ErrorBody = {
        error: {
          code: 'INGEST_BODY_TIMEOUT',
          message: idle
            ? `The request body sent nothing for ${limits.bodyIdleMs} ms; send it at once.`
            : `The request body was not whole after ${limits.bodyReadMs} ms.`,
        },
      };
      // The body reader still waits for bytes: closing the connection after the answer ends it and frees the slot.
      res.status(408).set('connection', 'close').json(body);
      res.once('finish', () => socket.destroy());
    },
    Math.max(10, Math.min(1000, limits.bodyIdleMs / 4)),
  );
  timer.unref();
  return () => clearInterval(timer);
}
