import type { Logger } from 'pino';
import type { LogStore, RetentionPolicy } from '../store/log-store.js';

/** Retention runs at start and then hourly: daily indices expire at most an hour late. */
const INTERVAL_MS = 3_600_000;

/** A running retention schedule. */
export interface RetentionJob {
  /** Runs once now (the scheduled runs call this too); resolves with the names it deleted. */
  runOnce(): Promise<string[]>;
  stop(): void;
}

/**
 * Deletes whole days of events older than `retention_days` and of dead letters older than
 * `deadletter_retention_days`. A failed run is logged and retried at the next hour: a store outage must not stop
 * the collector, and nothing is lost by deleting late.
 */
export function startRetention(store: LogStore, policy: RetentionPolicy, logger: Logger): RetentionJob {
  let running: Promise<string[]> | undefined;
  const runOnce = (): Promise<string[]> => {
    running ??= store
      .applyRetention(policy, new Date())
      .then(({ deleted }) => {
        if (deleted.length) logger.info({ deleted }, `Retention deleted ${deleted.length} expired indices.`);
        return deleted;
      })
      .catch((err: unknown) => {
        logger.warn({ err }, 'Retention failed; it runs again within the hour.');
        return [];
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  void runOnce();
  const timer = setInterval(() => void runOnce(), INTERVAL_MS);
  // The schedule alone must not keep a process (a CLI, a test) alive.
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}
