import express, { Router, type Request, type Response } from 'express';
import { certificateRefusal } from '../auth/certificate-binding.js';
import { scopeAllows } from '../auth/scopes.js';
import type { LoginCodes } from '../auth/login-codes.js';
import { SESSION_COOKIE, sessionCookieValue } from '../auth/session-cookie.js';
import { tokenId, type TokenRecord, type TokenVerifier } from '../auth/token-store.js';
import { sessionRequestSchema, type SessionState } from '../../protocol/session.js';
import { CollectorError } from '../collector-error.js';
import { parseInput } from './request-input.js';

function setSessionCookie(req: Request, res: Response, verifier: TokenVerifier, token: TokenRecord): void {
  res.cookie(SESSION_COOKIE, verifier.sessions.create(tokenId(token)), {
    httpOnly: true,
    sameSite: 'strict',
    // Behind TLS (directly or via a proxy that says so) the cookie must never travel in clear text.
    secure: req.secure,
    path: '/',
    maxAge: verifier.sessions.maxLifetimeMs,
  });
}

/**
 * UI sessions: a read or admin token is exchanged for an HttpOnly, SameSite=Strict cookie bound to that token's
 * id; signing out ends the session on every collector of the data directory.
 */
export function sessionRoutes(verifier: TokenVerifier, loginCodes: LoginCodes): Router {
  const router = Router();
  router.post('/api/v1/session', express.json({ limit: '4kb' }), (req, res) => {
    const { token: secret } = parseInput(sessionRequestSchema, req.body, { whole: 'token' });
    const token = verifier.verify(secret);
    if (!token) throw new CollectorError('AUTH_INVALID', 'The token is unknown or revoked.', 401);
    if (!scopeAllows(token.scope, 'read')) {
      throw new CollectorError('AUTH_FORBIDDEN', `A token of scope "${token.scope}" cannot sign in to the UI.`, 403);
    }
    const refusal = certificateRefusal(req, token);
    if (refusal) throw refusal;
    setSessionCookie(req, res, verifier, token);
    res.status(204).end();
  });
  router.get('/api/v1/session', (req, res) => {
    // Lets the UI ask "am I signed in?" without an error in the console.
    const value = sessionCookieValue(req.headers.cookie);
    const token = value ? verifier.verifySession(value) : undefined;
    const state: SessionState = token
      ? { signed_in: true, name: token.name, scope: token.scope }
      : { signed_in: false };
    res.json(state);
  });
  router.delete('/api/v1/session', (req, res) => {
    const value = sessionCookieValue(req.headers.cookie);
    if (value) verifier.sessions.end(value);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });
  router.get('/login', (req, res, next) => {
    const code = req.query.code;
    if (typeof code !== 'string') {
      next(); // the UI's own login page
      return;
    }
    const id = loginCodes.consume(code);
    const token = id ? verifier.byTokenId(id) : undefined;
    if (!token || !scopeAllows(token.scope, 'read')) {
      res.redirect(303, '/login?expired=1');
      return;
    }
    setSessionCookie(req, res, verifier, token);
    res.redirect(303, '/');
  });
  return router;
}
