import { statSync, unwatchFile, watchFile } from 'node:fs';
import { pino, type Logger } from 'pino';
import { loadShipperConfig, type ShipperConfig } from './config.js';
import { startShipper, type RunningShipper } from './shipper.js';

/** stop() itself gives up on pending batches after ~8 s; this is the hard limit for the whole process. */
const EXIT_DEADLINE_MS = 10_000;
/** How often the config file's modification time is checked for a reload. */
const CONFIG_POLL_MS = 2_000;

/** Why the daemon wakes up. */
type Wake = { kind: 'stop'; signal: NodeJS.Signals } | { kind: 'reload'; why: string };

/**
 * `logship shipper`: loads the config (a ConfigError propagates: the CLI prints it and exits 2), logs to stderr,
 * ships until SIGTERM/SIGINT, then stops cleanly and exits 0 within 10 s. SIGHUP or a change of the config file
 * reloads: the new config is validated first (a bad one is logged and the running shipper keeps going), then the
 * shipper is stopped (registry saved) and started again, so inputs added or removed take effect.
 */
export async function runShipper(opts: { config?: string }): Promise<void> {
  let config = loadShipperConfig(opts.config);
  const logger = pino({ name: 'logship-shipper' }, pino.destination(2));
  let shipper = await startShipper(config, logger);
  let tlsStamp = tlsFilesStamp(config);

  let wake: ((w: Wake) => void) | undefined;
  const pending: Wake[] = [];
  const notify = (w: Wake): void => {
    if (wake) {
      const resolve = wake;
      wake = undefined;
      resolve(w);
    } else pending.push(w);
  };
  const next = (): Promise<Wake> =>
    pending.length ? Promise.resolve(pending.shift()!) : new Promise((resolve) => (wake = resolve));

  process.once('SIGTERM', () => notify({ kind: 'stop', signal: 'SIGTERM' }));
  process.once('SIGINT', () => notify({ kind: 'stop', signal: 'SIGINT' }));
  process.on('SIGHUP', () => notify({ kind: 'reload', why: 'SIGHUP' }));
  if (opts.config) {
    watchFile(opts.config, { interval: CONFIG_POLL_MS, persistent: false }, (cur, prev) => {
      if (cur.mtimeMs !== prev.mtimeMs) notify({ kind: 'reload', why: 'the config file changed' });
    });
  }

  for (;;) {
    const w = await next();
    if (w.kind === 'stop') {
      if (opts.config) unwatchFile(opts.config);
      await stopAndExit(shipper, logger, w.signal);
      return;
    }
    const reloaded = reloadConfig(opts.config, logger, w.why);
    if (!reloaded) continue;
    const reloadedTls = tlsFilesStamp(reloaded);
    if (JSON.stringify(reloaded) === JSON.stringify(config) && reloadedTls === tlsStamp) continue;
    logger.info({ reason: w.why }, 'Reloading the shipper with the new config.');
    await shipper.stop();
    try {
      shipper = await startShipper(reloaded, logger);
      config = reloaded;
      tlsStamp = reloadedTls;
    } catch (err) {
      // E.g. the new metrics port is taken: go on with what worked (a failure now is a crash, loudly).
      logger.error({ err }, 'Starting with the new config failed; going on with the old one.');
      shipper = await startShipper(config, logger);
    }
  }
}

/** Identifies the TLS files' contents, so a certificate renewed in place reloads although the config is unchanged. */
function tlsFilesStamp(config: ShipperConfig): string {
  return [config.tls?.ca, config.tls?.cert, config.tls?.key]
    .map((path) => {
      if (!path) return '-';
      try {
        const st = statSync(path);
        return `${st.ino}:${st.mtimeMs}:${st.size}`;
      } catch {
        return 'missing';
      }
    })
    .join('|');
}

/** The new config, or undefined (logged) when it is invalid: a typo must not stop a running shipper. */
function reloadConfig(path: string | undefined, logger: Logger, why: string): ShipperConfig | undefined {
  try {
    return loadShipperConfig(path);
  } catch (err) {
    logger.error({ err, reason: why }, 'The new config is invalid; the shipper keeps running with the old one.');
    return undefined;
  }
}

async function stopAndExit(shipper: RunningShipper, logger: Logger, signal: NodeJS.Signals): Promise<void> {
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
