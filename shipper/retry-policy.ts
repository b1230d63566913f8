import {
  backoffDelay as sharedBackoff,
  parseRetryAfter as parseRetryAfterHeader,
  RETRY_AFTER_JITTER,
  retryAfterDelay,
} from '../protocol/retry-timing.js';
import { ShipperError } from './shipper-error.js';

/** First backoff ceiling. */
export const RETRY_BASE_MS = 200;
/** Backoff never waits longer than this (also the slow pace of retries after an auth failure). */
export const RETRY_CAP_MS = 30_000;
/** A Retry-After beyond this is treated as this, so a misconfigured proxy cannot stall shipping for hours. */
export const RETRY_AFTER_MAX_MS = 300_000;

/** What to do after a failed send. */
export type RetryDecision =
  /** Send the same batch again after `delayMs`; `loud` marks failures an operator must fix (auth, wrong URL). */
  | { kind: 'retry'; delayMs: number; loud: boolean }
  /** The collector refused the batch as a whole: send it in halves to isolate the event it cannot take. */
  | { kind: 'split' }
  /** The shipper is stopping: give the batch up without committing it (it is re-read after the restart). */
  | { kind: 'abort' };

/** Capped exponential backoff with full jitter (protocol/retry-timing.ts) from 200 ms up to 30 s. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  return sharedBackoff(attempt, RETRY_BASE_MS, RETRY_CAP_MS, random);
}

export { RETRY_AFTER_JITTER, retryAfterDelay };

/** Parses a Retry-After header into milliseconds, at most RETRY_AFTER_MAX_MS; undefined when absent or bad. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  return parseRetryAfterHeader(value, RETRY_AFTER_MAX_MS, now);
}

/**
 * Decides how to react to a failed send (attempt counts from 0). Anything that is not a ShipperError is a
 * programming error and is thrown again, so it crashes loudly instead of looping.
 */
export function decideRetry(err: unknown, attempt: number, random: () => number = Math.random): RetryDecision {
  if (!(err instanceof ShipperError)) throw err;
  switch (err.code) {
    case 'SHIPPER_ABORTED':
      return { kind: 'abort' };
    case 'SHIPPER_BATCH_REJECTED':
      return { kind: 'split' };
    case 'SHIPPER_COLLECTOR_AUTH':
    case 'SHIPPER_COLLECTOR_MISCONFIGURED':
    case 'SHIPPER_TLS_UNTRUSTED':
    case 'SHIPPER_TLS_REFUSED':
      // Only an operator can fix these; retry slowly forever rather than drop data.
      return { kind: 'retry', delayMs: RETRY_CAP_MS, loud: true };
    case 'SHIPPER_COLLECTOR_UNAVAILABLE':
    case 'SHIPPER_BAD_RESPONSE':
      return {
        kind: 'retry',
        delayMs:
          err.retryAfterMs !== undefined ? retryAfterDelay(err.retryAfterMs, random) : backoffDelay(attempt, random),
        loud: false,
      };
    case 'SHIPPER_REGISTRY_IO':
      throw err;
  }
}
