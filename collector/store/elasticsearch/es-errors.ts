import { errors } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { StoreOverloadedError, StoreUnavailableError } from '../store-errors.js';
import { classifyEsError } from './es-problems.js';

/**
 * Runs an Elasticsearch call, mapping failures to reach or enter the cluster to a coded EsStoreError (503) and
 * load to StoreOverloadedError (429) so senders retry; anything else is a bug and rises as it is.
 */
export async function guardEs<T>(logger: Logger, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const problem = classifyEsError(err);
    if (problem) {
      logger.warn({ code: problem.problem }, problem.message);
      throw problem;
    }
    if (err instanceof errors.ResponseError && err.statusCode === 429) {
      throw new StoreOverloadedError('Elasticsearch is overloaded; retry shortly.');
    }
    if (err instanceof errors.ResponseError && (err.statusCode ?? 0) >= 500) {
      throw new StoreUnavailableError(`Elasticsearch answered ${err.statusCode}.`);
    }
    throw err;
  }
}
