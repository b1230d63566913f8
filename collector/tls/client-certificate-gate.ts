import type { NextFunction, Request, Response } from 'express';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { CollectorError } from '../collector-error.js';
import type { CollectorConfig } from '../config.js';

/** Refusals are logged at most this often (with a count), so a scanner cannot flood the log. */
const LOG_INTERVAL_MS = 60_000;
/** Load balancers probe these without a certificate; they reveal nothing but "up" and "store reachable". */
const OPEN_PATHS = new Set(['/healthz', '/readyz']);

/**
 * `tls.client_auth: required`: every request needs a client certificate that verified against `tls.client_ca`.
 * Checked here, on the first request, rather than by aborting the handshake: under TLS 1.3 a client has already
 * sent its request when the server's alert comes, and usually sees only a connection reset, which a shipper cannot
 * tell from an outage. A coded 403 (as nginx's `ssl_verify_client on` answers) tells it what is wrong.
 */
export function clientCertificateGate(tls: CollectorConfig['tls'], logger: Logger) {
  const required = tls?.client_ca !== undefined && tls.client_auth === 'required';
  let lastLog = 0;
  let suppressed = 0;
  return (req: Request, res: Response, next: NextFunction): void => {
    const socket = req.socket as Partial<TLSSocket>;
    if (!required || socket.authorized || OPEN_PATHS.has(req.path)) {
      next();
      return;
    }
    const presented = socket.getPeerCertificate?.()?.raw !== undefined;
    const reason = presented ? String(socket.authorizationError) : 'no certificate';
    const now = Date.now();
    if (now - lastLog >= LOG_INTERVAL_MS) {
      logger.warn(
        { client: req.socket.remoteAddress, reason, not_logged_since_last: suppressed },
        'Refused a connection without a valid client certificate.',
      );
      lastLog = now;
      suppressed = 0;
    } else suppressed++;
    // The connection is of no use to this client; close it rather than let it send more requests.
    res.setHeader('Connection', 'close');
    next(
      presented
        ? new CollectorError(
            'TLS_CLIENT_CERTIFICATE_UNTRUSTED',
            `The client certificate did not verify against the collector's client CA (${reason}).`,
            403,
          )
        : new CollectorError('TLS_CLIENT_CERTIFICATE_REQUIRED', 'This collector requires a client certificate.', 403),
    );
  };
}
