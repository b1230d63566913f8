import type { NextFunction, Request, Response } from 'express';
import { CollectorError } from '../collector-error.js';

/**
 * Admits at most `max` write requests at a time, counted from before their body is read until their answer is sent.
 * One more gets 429 with Retry-After at once, without reading its body: the collector's memory stays bounded by
 * max × limits.max_body_bytes however many shippers push at once, and the shippers keep their data and retry.
 */
export function ingestAdmission(max: number) {
  let inFlight = 0;
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (inFlight >= max) {
      next(
        new CollectorError(
          'INGEST_OVERLOADED',
          `The collector is handling ${max} writes already; retry shortly.`,
          429,
          {},
          1,
        ),
      );
      return;
    }
    inFlight++;
    // 'close' fires once per response, whether it finished or the client went away.
    res.once('close', () => inFlight--);
    next();
  };
}
