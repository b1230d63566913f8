import { CodedError } from '../../protocol/coded-error.js';

export type QueryErrorCode = 'QUERY_SYNTAX' | 'QUERY_TOO_COMPLEX' | 'QUERY_UNSUPPORTED' | 'QUERY_TIMEOUT';

/**
 * A query that cannot be parsed, is too costly or ran out of time. Parse errors answer 400 with the position
 * (0-based character offset) of the problem; a query stopped by its timeout answers 504.
 */
export class QueryError extends CodedError {
  constructor(code: QueryErrorCode, message: string, position?: number) {
    super(code, message, code === 'QUERY_TIMEOUT' ? 504 : 400, position === undefined ? {} : { position });
  }
}
