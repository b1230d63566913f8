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
      // The answer stays reachable as the cause, e.g. to tell an index whose shard is starting (shardsStarting).
      throw Object.assign(new StoreUnavailableError(`Elasticsearch answered ${err.statusCode}.`), { cause: err });
    }
    throw err;
  }
}

/** The failure type of a shard that has not started yet: a daily index created a moment ago. */
export const SHARD_STARTING = 'no_shard_available_action_exception';

/**
 * Whether a read failed only because the shards it reached have not started yet (Elasticsearch answers 503 "all
 * shards failed" while the first write of a day creates its index). Such shards hold no acknowledged event.
 */
export function shardsStarting(err: unknown): boolean {
  const cause = (err as { cause?: unknown }).cause;
  if (!(cause instanceof errors.ResponseError) || cause.statusCode !== 503) return false;
  const body = cause.body as { error?: { root_cause?: { type?: string }[] } } | undefined;
  const causes = body?.error?.root_cause ?? [];
  return causes.length > 0 && causes.every((c) => c.type === SHARD_STARTING);
}
