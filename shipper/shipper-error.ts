import { CodedError } from '../protocol/coded-error.js';

/** The stable codes of shipper errors (listed in docs/error-codes.md). */
export type ShipperErrorCode =
  /** Connection refused/reset/timed out, a 5xx or a 429: the collector may accept the batch later. */
  | 'SHIPPER_COLLECTOR_UNAVAILABLE'
  /** 401/403: the token is wrong or lacks the ingest scope; an operator must fix the config. */
  | 'SHIPPER_COLLECTOR_AUTH'
  /** 400/413: the collector refused the whole batch, which points at a bug on one side. */
  | 'SHIPPER_BATCH_REJECTED'
  /** Another 4xx (404 for a wrong URL path, 415): misconfiguration rather than bad data. */
  | 'SHIPPER_COLLECTOR_MISCONFIGURED'
  /** A 200 whose body is not an ingest result. */
  | 'SHIPPER_BAD_RESPONSE'
  /** Sending was aborted because the shipper is stopping. */
  | 'SHIPPER_ABORTED'
  /** The data directory or the offset registry cannot be read or written. */
  | 'SHIPPER_REGISTRY_IO'
  /** The collector's certificate did not verify against `tls.ca` (or the public CAs): nothing was sent. */
  | 'SHIPPER_TLS_UNTRUSTED'
  /** The collector refused the connection's client certificate (none, or one its `client_ca` does not trust). */
  | 'SHIPPER_TLS_REFUSED';

/** A shipper failure with a stable code; `status` is the collector's HTTP status when there was one. */
export class ShipperError extends CodedError {
  /** Narrowed to the shipper's codes; `declare` adds no field, so CodedError's value stays. */
  declare readonly code: ShipperErrorCode;

  constructor(
    code: ShipperErrorCode,
    message: string,
    status = 500,
    readonly retryAfterMs?: number,
  ) {
    super(code, message, status);
  }
}
