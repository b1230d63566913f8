import { CodedError } from '../../protocol/coded-error.js';

/** A query that cannot be parsed or is too costly: 400 with the position (0-based character offset) of the problem. */
export class QueryError extends CodedError {
  constructor(code: 'QUERY_SYNTAX' | 'QUERY_TOO_COMPLEX' | 'QUERY_UNSUPPORTED', message: string, position: number) {
    super(code, message, 400, { position });
  }
}
