import { CodedError } from '../protocol/coded-error.js';

/** Codes of errors the collector answers with; docs/error-codes.md lists them. */
export type CollectorErrorCode =
  | 'AUTH_MISSING'
  | 'AUTH_INVALID'
  | 'AUTH_FORBIDDEN'
  | 'AUTH_CERTIFICATE_REQUIRED'
  | 'AUTH_CERTIFICATE_MISMATCH'
  | 'TLS_CLIENT_CERTIFICATE_REQUIRED'
  | 'TLS_CLIENT_CERTIFICATE_UNTRUSTED'
  | 'INGEST_UNSUPPORTED_MEDIA_TYPE'
  | 'INGEST_UNSUPPORTED_ENCODING'
  | 'INGEST_BODY_TOO_LARGE'
  | 'INGEST_BAD_BODY'
  | 'INGEST_OVERLOADED'
  | 'INGEST_BODY_TIMEOUT'
  | 'TAIL_TOO_MANY_STREAMS'
  | 'STORE_UNAVAILABLE'
  | 'BAD_PARAMETER'
  | 'NOT_FOUND'
  | 'ALERT_RULE_EXISTS'
  | 'ALERT_RULE_CONFLICT'
  | 'ALERT_TOO_MANY_RULES'
  | 'ALERT_WEBHOOK_NOT_ALLOWED'
  | 'METHOD_NOT_ALLOWED'
  | 'INTERNAL';

/** An error the collector turns into `{"error":{"code","message"}}` with its HTTP status. */
export class CollectorError extends CodedError {
  constructor(
    code: CollectorErrorCode,
    message: string,
    status: number,
    details: Record<string, unknown> = {},
    /** Seconds the client should wait before retrying (429/503). */
    readonly retryAfter?: number,
  ) {
    super(code, message, status, details);
  }
}
