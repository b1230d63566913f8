import type { NextFunction, Request, Response } from 'express';
import { CollectorError } from '../collector-error.js';
import { certificateRefusal } from './certificate-binding.js';
import { scopeAllows, type Scope } from './scopes.js';
import { sessionCookieValue } from './session-cookie.js';
import { tokenId, type TokenRecord, type TokenVerifier } from './token-store.js';

/** Pulls the secret from `Authorization`: Bearer, ApiKey (as Elasticsearch clients send it) or Basic (password = token). */
export function secretFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value;
  if (scheme === 'apikey') {
    // Elasticsearch clients send base64("id:key"); accept the raw token too.
    if (value.startsWith('lsp_')) return value;
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : decoded;
  }
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The token that authenticated this request. */
    token?: TokenRecord;
  }
}

/** The header the UI sends with its writes; another site cannot send it without a CORS preflight, never granted. */
export const UI_WRITE_HEADER = 'x-logship-ui';

/**
 * Whether the UI's session cookie may authenticate this request: reads always; writes only on routes that allow
 * them (`uiWrites`) and only with UI_WRITE_HEADER. A cookie rides along on cross-site requests, a header never
 * does, so a page elsewhere cannot make a signed-in browser write (besides the cookie being SameSite=Strict).
 */
function sessionMayAuthenticate(req: Request, uiWrites: boolean): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  return uiWrites && req.headers[UI_WRITE_HEADER] === '1';
}

/**
 * Who reads, for stores that keep several copies of the data: the token's id (never its secret), so one person's
 * searches, from any collector, read the same copies and agree with each other.
 */
export function readerOf(req: Request): string | undefined {
  const token = req.token;
  return token ? `logship-token-${tokenId(token)}` : undefined;
}

/**
 * Middleware that lets a request through only with a token of the needed scope. It runs before any body is read,
 * so an unauthenticated client cannot make the collector buffer or decompress anything.
 */
export function requireScope(verifier: TokenVerifier, needed: Scope, options: { uiWrites?: boolean } = {}) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const secret = secretFromHeader(req.headers.authorization);
    if (!secret && sessionMayAuthenticate(req, options.uiWrites ?? false) && req.headers.cookie) {
      const session = sessionCookieValue(req.headers.cookie);
      const token = session ? verifier.verifySession(session) : undefined;
      if (token && scopeAllows(token.scope, needed)) {
        const refusal = certificateRefusal(req, token);
        if (!refusal) req.token = token;
        next(refusal);
        return;
      }
    }
    if (!secret) {
      next(new CollectorError('AUTH_MISSING', 'This endpoint needs an Authorization: Bearer <token> header.', 401));
      return;
    }
    const token = verifier.verify(secret);
    if (!token) {
      next(new CollectorError('AUTH_INVALID', 'The token is unknown or revoked.', 401));
      return;
    }
    if (!scopeAllows(token.scope, needed)) {
      next(new CollectorError('AUTH_FORBIDDEN', `A token of scope "${token.scope}" cannot ${needed}.`, 403));
      return;
    }
    // A certificate-bound token needs its certificate on this connection too: the secret alone is not enough.
    const refusal = certificateRefusal(req, token);
    if (refusal) {
      next(refusal);
      return;
    }
    req.token = token;
    next();
  };
}
