import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../config/private-files.js';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { createToken, revokeToken } from '../collector/auth/token-store.js';
import { loadCollectorConfig } from '../collector/config.js';
import { startCollector } from '../collector/main.js';
import { parseShipperConfig } from '../shipper/config.js';
import { startShipper } from '../shipper/shipper.js';

/** System logs usually present on Debian, RHEL and friends; a path that does not exist is simply never matched. */
const SYSTEM_LOGS = ['/var/log/*.log', '/var/log/syslog', '/var/log/messages', '/var/log/*/*.log'];

/** Replaces a named token, so each start hands out a fresh secret and no secret has to be kept on disk. */
function freshToken(dataDir: string, name: string, scope: 'ingest' | 'read'): string {
  revokeToken(dataDir, name);
  return createToken(dataDir, name, scope);
}

/**
 * `logship standalone` (`npm start`): everything on one machine. A collector on 127.0.0.1:8080 with its data in
 * ./data, storing into LOGSHIP_ES_URL or else the embedded store in ./data/store, and a shipper for this host over
 * the system logs and logship's own log.
 */
export async function runStandalone(): Promise<void> {
  const dataDir = resolve(process.env.LOGSHIP_DATA_DIR ?? './data');
  const logDir = join(dataDir, 'logs');
  ensurePrivateDir(dataDir);
  ensurePrivateDir(logDir);
  // logship's own log goes to the terminal and to a file the shipper tails, so it is searchable too.
  const logger = pino(
    { name: 'logship' },
    pino.multistream([
      { stream: pino.destination(2) },
      { stream: pino.destination({ dest: join(logDir, 'logship.log'), mkdir: true, mode: PRIVATE_FILE_MODE }) },
    ]),
  );

  // The embedded store in <data_dir>/store unless LOGSHIP_ES_URL names an Elasticsearch (CONTRACT §2).
  const collectorConfig = loadCollectorConfig(undefined, { ...process.env, LOGSHIP_DATA_DIR: dataDir });
  const collector = await startCollector(collectorConfig, logger);

  const shipperToken = freshToken(dataDir, 'standalone-shipper', 'ingest');
  const readToken = freshToken(dataDir, 'standalone-read', 'read');
  const shipperConfig = parseShipperConfig(
    {
      collectors: [collector.url],
      token: shipperToken,
      data_dir: join(dataDir, 'shipper'),
      inputs: [
        // Existing system logs can be large: start at their end; new lines are shipped from now on.
        { paths: SYSTEM_LOGS, exclude: ['*.gz', '*.[0-9]'], service: 'system', start_at: 'end' },
        { paths: [join(logDir, '*.log')], service: 'logship' },
      ],
    },
    // Not process.env: LOGSHIP_DATA_DIR and LOGSHIP_TOKEN name the collector's here, not the shipper's.
    {},
    'standalone defaults',
  );
  const shipper = await startShipper(shipperConfig, logger);

  process.stdout.write(
    [
      '',
      `logship is running: ${collector.url}`,
      `  sign in: ${collector.loginLink('standalone-read')}  (valid once, for 10 minutes)`,
      `  search:  LOGSHIP_COLLECTOR_URL=${collector.url} LOGSHIP_TOKEN=${readToken} npx logship search --from 1h`,
      `  ingest token for other shippers: npx logship token create --scope ingest --name <host> (LOGSHIP_DATA_DIR=${dataDir})`,
      '  stop with Ctrl-C',
      '',
    ].join('\n'),
  );

  await new Promise<void>((done) => {
    const stop = async () => {
      process.stderr.write('Stopping…\n');
      await shipper.stop();
      await collector.stop();
      done();
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  });
  process.exit(0);
}
