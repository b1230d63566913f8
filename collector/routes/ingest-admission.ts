import type { NextFunction, Request, Response } from 'express';
import type { ErrorBody } from '../../protocol/error-body.js';
import { CollectorError } from '../collector-error.js';

export interface AdmissionLimits {
  /** Write requests handled at once. */
  max: number;
  /** Of those, at most this many for one token. */
  maxPerToken: number;
  /** A body that sends nothing for this long is answered 408. */
  bodyIdleMs: number;
  /** A body not whole after this long is answered 408. */
  bodyReadMs: number;
}

/**
 * Admits at most `max` write requests at a time (and `maxPerToken` of one token), counted from before their body is
 * read until their answer is sent. One more gets 429 with Retry-After at once, without reading its body: the
 * collector's memory stays bounded by max × limits.max_body_bytes however many shippers push at once, and the
 * shippers keep their data and retry.
 *
 * An admitted request must keep its body coming: 16 uploads that sent a Content-Length and one byte once held every
 * slot for 90 s+, so a body idle for `bodyIdleMs`, or not whole after `bodyReadMs`, is answered 408
 * INGEST_BODY_TIMEOUT, its connection closed and its slot freed.
 */
export function ingestAdmission(limits: AdmissionLimits) {
  let inFlight = 0;
  const perToken = new Map<string, number>();
  return (req: Request, res: Response, next: NextFunction): void => {
    const token = req.token?.name ?? '';
    const held = perToken.get(token) ?? 0;
    if (inFlight >= limits.max || held >= limits.maxPerToken) {
      const message =
        inFlight >= limits.max
          ? `The collector is handling ${limits.max} writes already; retry shortly.`
          : `This token has ${held} writes in flight already (at most ${limits.maxPerToken}); retry shortly.`;
      next(new CollectorError('INGEST_OVERLOADED', message, 429, {}, 1));
      return;
    }
    inFlight++;
    perToken.set(token, held + 1);
    const stopWatch = watchBody(req, res, limits);
    // 'close' fires once per response, whether it finished or the client went away.
    res.once('close', () => {
      stopWatch();
      inFlight--;
      const left = (perToken.get(token) ?? 1) - 1;
      if (left > 0) perToken.set(token, left);
      else perToken.delete(token);
    });
    next();
  };
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
