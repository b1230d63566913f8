import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Logger } from 'pino';
import type { CollectorConfig } from '../config.js';
import { describeCertificate, loadTlsMaterial, type TlsMaterial } from './tls-material.js';

/** A certificate this close to its end is logged as a warning at start-up and on every reload. */
const EXPIRY_WARNING_MS = 14 * 24 * 3600_000;
/** Failed handshakes are logged at most this often (with a count), so a scanner cannot flood the log. */
const HANDSHAKE_LOG_INTERVAL_MS = 60_000;

/** The collector's listening socket before `listen()`: plain HTTP, or HTTPS with optional client certificates. */
export interface CollectorServer {
  server: HttpServer | HttpsServer;
  scheme: 'http' | 'https';
  /**
   * Re-reads the TLS files (SIGHUP) and serves them to new connections; open connections keep the certificate they
   * were made with, so live tails and keep-alive shippers are not dropped. Files that cannot be used are logged
   * and the previous ones stay. False when nothing was reloaded.
   */
  reloadTls(): boolean;
}

/** Builds the server for `config.listen`; TLS files are read and checked here (a ConfigError stops the start). */
export function createCollectorServer(config: CollectorConfig, logger: Logger): CollectorServer {
  const tls = config.tls;
  if (!tls) {
    return {
      server: createHttpServer(),
      scheme: 'http',
      reloadTls() {
        logger.info('Received SIGHUP; the collector serves plain HTTP, so there are no certificates to reload.');
        return false;
      },
    };
  }
  const material = loadTlsMaterial(tls);
  logCertificate(logger, material, 'The collector serves this TLS certificate.');
  const server = createHttpsServer({
    ...material.context,
    // Asking for a certificate only makes sense with CAs to check it against.
    requestCert: tls.client_ca !== undefined,
    // A connection whose certificate is missing or did not verify is `authorized: false`; `required` then refuses
    // its requests with a coded 403 (client-certificate-gate.ts), `optional` lets it in, and certificate-bound
    // tokens refuse it either way (auth/certificate-binding.ts).
    rejectUnauthorized: false,
  });
  logHandshakeFailures(server, logger);
  return {
    server,
    scheme: 'https',
    reloadTls() {
      let next: TlsMaterial;
      try {
        next = loadTlsMaterial(tls);
      } catch (err) {
        logger.error(
          { code: (err as { code?: string }).code, err },
          'Reloading the TLS files failed; the collector keeps serving the previous certificate.',
        );
        return false;
      }
      server.setSecureContext(next.context);
      logCertificate(logger, next, 'Reloaded the TLS files; new connections get this certificate.');
      return true;
    },
  };
}

function logCertificate(logger: Logger, material: TlsMaterial, message: string): void {
  const details = describeCertificate(material.certificate);
  const left = Date.parse(material.certificate.validTo) - Date.now();
  if (left < EXPIRY_WARNING_MS) {
    logger.warn(details, `${message} It ${left < 0 ? 'has expired' : 'expires within 14 days'}: renew it.`);
  } else {
    logger.info(details, message);
  }
}

/** Logs failed handshakes (unknown client CA, no client certificate, scanners), rate-limited. */
function logHandshakeFailures(server: HttpsServer, logger: Logger): void {
  let suppressed = 0;
  let lastLog = 0;
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket) => {
    const now = Date.now();
    if (now - lastLog < HANDSHAKE_LOG_INTERVAL_MS) {
      suppressed++;
      return;
    }
    logger.warn(
      { client: socket.remoteAddress, reason: err.code ?? err.message, not_logged_since_last: suppressed },
      'A TLS handshake failed.',
    );
    lastLog = now;
    suppressed = 0;
  });
}
