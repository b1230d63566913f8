import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { ErrorBody } from '../../protocol/error-body.js';
import { CodedError } from '../../protocol/coded-error.js';
import { CollectorError } from '../collector-error.js';
import { CertificateRefusal } from '../auth/certificate-binding.js';

/** Errors raised by Express's body reader carry a `type`; they become coded client errors. */
function fromBodyReader(err: { type?: string; status?: number; message?: string }): CollectorError | undefined {
  switch (err.type) {
    case 'entity.too.large':
      return new CollectorError(
        'INGEST_BODY_TOO_LARGE',
        `The request body is larger than the limit: ${err.message}.`,
        413,
      );
    case 'encoding.unsupported':
      return new CollectorError(
        'INGEST_UNSUPPORTED_ENCODING',
        'Content-Encoding must be gzip, deflate or identity.',
        415,
      );
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new CollectorError('INGEST_BAD_BODY', `The request body could not be read: ${err.message}.`, 400);
  }
  // zlib reports a corrupt gzip body as a plain error with a Z_ code.
  if (typeof (err as { code?: unknown }).code === 'string' && String((err as { code: string }).code).startsWith('Z_')) {
    return new CollectorError('INGEST_BAD_BODY', 'The gzip body is corrupt.', 400);
  }
  return undefined;
}

/** Refused-token log lines per client address and minute, at most: enough to trace a leak, too few to flood the log. */
const REFUSALS_LOGGED_PER_MINUTE = 3;

/**
 * Logs unknown and revoked tokens with the client's address (behind a trusted proxy, the address the proxy saw), so
 * after a leak the operator can tell who still uses the old secret. Bounded: a few lines per address and minute.
 */
class RefusedTokenLog {
  private minute = 0;
  private readonly perAddress = new Map<string, number>();

  note(req: Request, logger: Logger): void {
    const minute = Math.floor(Date.now() / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.perAddress.clear();
    }
    const client = req.ip ?? 'unknown';
    const seen = this.perAddress.get(client) ?? 0;
    // The map is cleared every minute; a flood from many addresses is cut off as a whole.
    if (seen >= REFUSALS_LOGGED_PER_MINUTE || this.perAddress.size >= 1000) return;
    this.perAddress.set(client, seen + 1);
    logger.warn(
      { code: 'AUTH_INVALID', client, method: req.method, path: req.path },
      'A request came with an unknown or revoked token.',
    );
  }
}

/** The last middleware: every error becomes `{"error":{"code","message"}}` with a fitting status. */
export function errorHandler(logger: Logger) {
  const refusedTokens = new RefusedTokenLog();
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    // Already answered (a body that timed out, then failed in the body reader as its connection closed).
    if (res.headersSent) return;
    const coded = err instanceof CodedError ? err : fromBodyReader(err as { type?: string });
    if (!coded) {
      logger.error({ err, method: req.method, path: req.path }, 'A request failed unexpectedly.');
    }
    const status = coded?.status ?? 500;
    const body: ErrorBody = {
      error: {
        ...(coded?.details ?? {}),
        code: coded?.code ?? 'INTERNAL',
        message: coded?.message ?? 'An internal error happened; the collector log has the details.',
      },
    };
    // requestTiming (metrics-routes.ts) counts the answer by its code.
    res.locals.errorCode = body.error.code;
    if (coded?.code === 'AUTH_INVALID') refusedTokens.note(req, logger);
    const retryAfter = (coded as { retryAfter?: unknown } | undefined)?.retryAfter;
    if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
    if (status >= 500 && coded) logger.warn({ code: coded.code, path: req.path }, coded.message);
    if (coded instanceof CertificateRefusal) {
      // A valid secret without its certificate is what a stolen token looks like.
      logger.warn(
        { code: coded.code, token: coded.tokenName, certificate: coded.presented, client: req.ip, path: req.path },
        'A certificate-bound token was presented without its certificate.',
      );
    }
    res.status(status).json(body);
  };
}
