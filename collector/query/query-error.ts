import { CodedError } from '../../protocol/coded-error.js';

export type QueryErrorCode =
  'QUERY_SYNTAX' | 'QUERY_TOO_COMPLEX' | 'QUERY_UNSUPPORTED' | 'QUERY_TIMEOUT' | 'QUERY_OVERLOADED' | 'QUERY_CANCELLED';

const STATUS: Record<QueryErrorCode, number> = {
  QUERY_SYNTAX: 400,
  QUERY_TOO_COMPLEX: 400,
  QUERY_UNSUPPORTED: 400,
  QUERY_TIMEOUT: 504,
  QUERY_OVERLOADED: 429,
  // nginx's "client closed request": the asker went away, so nobody reads this answer.
  QUERY_CANCELLED: 499,
};

/**
 * A query that cannot be parsed, is too costly or ran out of time. Parse errors answer 400 with the position
 * (0-based character offset) of the problem; a query stopped by its timeout answers 504, and a read refused because
 * too many wait already answers 429 with Retry-After.
 */
export class QueryError extends CodedError {
  /** Seconds to wait before retrying (429). */
  readonly retryAfter: number | undefined;
  constructor(code: QueryErrorCode, message: string, position?: number) {
    super(code, message, STATUS[code], position === undefined ? {} : { position });
    this.retryAfter = code === 'QUERY_OVERLOADED' ? 1 : undefined;
  }
}

/** A read stopped because its asker went away (routes/client-gone.ts): the same answer from every store. */
export function readCancelled(): QueryError {
  return new QueryError('QUERY_CANCELLED', 'The client went away before the answer; the read was stopped.');
}
