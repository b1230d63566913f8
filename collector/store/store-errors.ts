import { CollectorError } from '../collector-error.js';

/** The store cannot take or serve data now; senders should retry after `retryAfter` seconds. */
export class StoreUnavailableError extends CollectorError {
  constructor(message: string, retryAfter = 5) {
    super('STORE_UNAVAILABLE', message, 503, {}, retryAfter);
  }
}

/** The store is saturated; the sender should back off. */
export class StoreOverloadedError extends CollectorError {
  constructor(message: string, retryAfter = 1) {
    super('INGEST_OVERLOADED', message, 429, {}, retryAfter);
  }
}
