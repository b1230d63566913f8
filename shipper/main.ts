import { pino } from 'pino';
import { loadShipperConfig } from './config.js';
import { startShipper } from './shipper.js';

/** stop() itself gives up on pending batches after ~8 s; this is the hard limit for the whole process. */
const EXIT_DEADLINE_MS = 10_000;

/**
 * `logship shipper`: loads the config (a ConfigError propagates: the CLI prints it and exits 2), logs to stderr,
 * ships until SIGTERM/SIGINT, then stops cleanly and exits 0 within 10 s.
 */
export async function runShipper(opts: { config?: string }): Promise<void> {
  const config = loadShipperConfig(opts.config);
  const logger = pino({ name: 'logship-shipper' }, pino.destination(2));
  const shipper = await startShipper(config, logger);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal }, 'Stopping on signal.');
  // A second signal means the operator does not want to wait.
  const again = (): never => process.exit(1);
  process.once('SIGTERM', again);
  process.once('SIGINT', again);
  const deadline = setTimeout(() => {
    logger.error('Stopping took longer than 10 s; exiting anyway (unacknowledged lines are re-sent after a restart).');
    process.exit(1);
  }, EXIT_DEADLINE_MS);
  try {
    await shipper.stop();
  } catch (err) {
    logger.error({ err }, 'Stopping the shipper failed.');
    process.exit(1);
  }
  clearTimeout(deadline);
  // Exit explicitly: a lingering handle (a slow socket close) must not keep a stopped daemon alive.
  process.exit(0);
}
