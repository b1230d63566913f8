import pino, { type Logger } from 'pino';
import { ensurePrivateDir, openToOthers } from '../config/private-files.js';
import { listenOn } from '../protocol/listen.js';
import { createApp } from './app.js';
import { loadCollectorConfig, parseListen, type CollectorConfig } from './config.js';
import { tokenId } from './auth/token-store.js';
import { createStore } from './store/create-store.js';
import { StoreUnavailableError } from './store/store-errors.js';
import { createCollectorServer } from './tls/collector-server.js';

/** How long SIGTERM waits for in-flight requests before closing connections anyway. */
const DRAIN_MS = 10_000;

/** A running collector: its address and a way to drain and stop it. */
export interface RunningCollector {
  url: string;
  /** A one-time `/login?code=…` link that signs the browser in as the token `tokenName` (once, for 10 minutes). */
  loginLink(tokenName: string): string;
  /** Re-reads the TLS certificate, key and client CA (SIGHUP); open connections stay. False when nothing changed. */
  reloadTls(): boolean;
  stop(): Promise<void>;
}

/** Starts the collector on its configured address; the store is retried until it answers. */
export async function startCollector(config: CollectorConfig, logger: Logger): Promise<RunningCollector> {
  // TLS files are checked before the store opens, so a bad certificate stops the start with nothing to undo.
  const listener = createCollectorServer(config, logger);
  warnWhenDataDirIsShared(config.data_dir, logger);
  let collector;
  for (let attempt = 0; ; attempt++) {
    // A store per attempt, closed when the attempt fails: each Elasticsearch store holds a client with its own
    // connection pool, and a collector waiting minutes for its store would otherwise pile one up per retry.
    const store = createStore(config, logger);
    try {
      collector = await createApp(config, logger, store);
      break;
    } catch (err) {
      await store.close().catch((closeErr: unknown) => logger.warn({ err: closeErr }, 'Closing the store failed.'));
      if (!(err instanceof StoreUnavailableError)) throw err;
      const wait = Math.min(30_000, 500 * 2 ** attempt);
      logger.warn({ wait_ms: wait }, `The store is not reachable yet (${err.message}); retrying.`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  const { host, port } = parseListen(config.listen);
  const server = listener.server;
  server.on('request', collector.app);
  try {
    await listenOn(server, host, port, 'COLLECTOR');
  } catch (err) {
    await collector.close();
    throw err;
  }
  // Shippers keep connections alive between batches; the server must not time them out first.
  server.keepAliveTimeout = 65_000;
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `${listener.scheme}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actualPort}`;
  logger.info({ url, store: config.elasticsearch ? 'elasticsearch' : 'embedded' }, `The collector listens on ${url}.`);
  return {
    url,
    loginLink: (tokenName) => {
      const token = collector.verifier.byTokenName(tokenName);
      if (!token) throw new Error(`No token is named "${tokenName}".`);
      // Bound to this token's id: a token created later under the same name cannot use the link.
      return `${url}/login?code=${collector.loginCodes.create(tokenId(token))}`;
    },
    reloadTls: () => listener.reloadTls(),
    async stop() {
      await new Promise<void>((resolve) => {
        // Before close(): a read or tail under way would otherwise hold the drain until its timeout.
        collector.beginShutdown();
        // Idle keep-alive sockets would hold close() open until they time out, and so would those that become idle
        // once their last answer is sent during the drain: they are closed as they become idle.
        const idle = setInterval(() => server.closeIdleConnections(), 50);
        const timer = setTimeout(() => {
          clearInterval(idle);
          server.closeAllConnections();
          resolve();
        }, DRAIN_MS);
        server.close(() => {
          clearInterval(idle);
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      await collector.close();
    },
  };
}

/** `logship collector`: load config, listen, drain on SIGTERM/SIGINT then exit (cli/main.ts sized V8's heap first). */
export async function runCollector(opts: { config?: string }): Promise<void> {
  const config = loadCollectorConfig(opts.config);
  const logger = pino({ name: 'logship-collector' }, pino.destination(2));
  const running = await startCollector(config, logger);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`Received ${signal}; draining requests.`);
    await running.stop();
    logger.info('The collector stopped.');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // Also keeps SIGHUP (a renewed certificate, `systemctl reload`) from ending the process, its default.
  process.on('SIGHUP', () => void running.reloadTls());
}

/**
 * The data directory holds tokens, sessions and every host's logs. logship creates it owner-only but never changes
 * the mode of one that exists (it may be a folder others rely on), so it says when others can read it.
 */
function warnWhenDataDirIsShared(dataDir: string, logger: Logger): void {
  ensurePrivateDir(dataDir);
  if (openToOthers(dataDir))
    logger.warn(
      { data_dir: dataDir },
      `The data directory ${dataDir} can be read by other users; make it owner-only (chmod 700) or choose a folder of its own.`,
    );
}
