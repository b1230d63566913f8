import { errors } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { StoreOverloadedError, StoreUnavailableError } from '../store-errors.js';

/**
 * Runs an Elasticsearch call, mapping transport failures to StoreUnavailableError (503) and load to
 * StoreOverloadedError (429) so senders retry; anything else is a bug and rises as it is.
 */
export async function guardEs<T>(logger: Logger, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (
      err instanceof errors.ConnectionError ||
      err instanceof errors.TimeoutError ||
      err instanceof errors.NoLivingConnectionsError
    ) {
      logger.warn({ err: err.message }, 'Elasticsearch is unreachable.');
      throw new StoreUnavailableError(`Elasticsearch is unreachable: ${err.message}`);
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
