import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoginCodes } from '../../../collector/auth/login-codes.js';
import { sessionCookieValue } from '../../../collector/auth/session-cookie.js';
import { SessionStore } from '../../../collector/auth/session-store.js';
import { createToken, readTokens, revokeToken, tokenId, TokenVerifier } from '../../../collector/auth/token-store.js';

describe('UI sessions', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'logship-session-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('ends a session after its idle time and after its absolute lifetime, and refuses unknown secrets', () => {
    const store = new SessionStore(dir, { idleMs: 10 * 60_000, maxLifetimeMs: 60 * 60_000 });
    try {
      const now = 1_800_000_000_000;
      const idle = store.create('t1', now);
      expect(store.verify(idle, now + 9 * 60_000)).toBe('t1');
      // Each request moves the idle deadline (written at most once a minute).
      expect(store.verify(idle, now + 18 * 60_000)).toBe('t1');
      expect(store.verify(idle, now + 29 * 60_000)).toBeUndefined();
      const busy = store.create('t2', now);
      for (let t = now + 5 * 60_000; t < now + 60 * 60_000; t += 5 * 60_000) expect(store.verify(busy, t)).toBe('t2');
      expect(store.verify(busy, now + 60 * 60_000 + 1)).toBeUndefined();
      expect(store.verify('garbage', now)).toBeUndefined();
      expect(store.verify('x'.repeat(10_000), now)).toBeUndefined();
    } finally {
      store.close();
    }
    expect(statSync(join(dir, 'sessions.db')).mode & 0o777).toBe(0o600);
  });

  it('binds a session to the token id: a new token under a revoked name does not inherit it', async () => {
    createToken(dir, 't-sess', 'read');
    const a = new TokenVerifier(dir, 10);
    const b = new TokenVerifier(dir, 10);
    try {
      const cookie = a.sessions.create(tokenId(readTokens(dir)[0]!));
      expect(b.verifySession(cookie)?.scope).toBe('read');
      revokeToken(dir, 't-sess');
      createToken(dir, 't-sess', 'admin');
      await new Promise((r) => setTimeout(r, 20));
      expect(a.verifySession(cookie)).toBeUndefined();
      expect(b.verifySession(cookie)).toBeUndefined();
    } finally {
      a.close();
      b.close();
    }
  });

  it('ends a session for every collector of the data directory at logout', () => {
    createToken(dir, 'bob', 'read');
    const a = new TokenVerifier(dir, 10);
    const b = new TokenVerifier(dir, 10);
    try {
      const cookie = a.sessions.create(tokenId(readTokens(dir)[0]!));
      expect(b.verifySession(cookie)?.name).toBe('bob');
      b.sessions.end(cookie);
      expect(a.verifySession(cookie)).toBeUndefined();
    } finally {
      a.close();
      b.close();
    }
  });

  it('reads a malformed cookie as no session instead of throwing', () => {
    expect(sessionCookieValue('logship_session=%E0%A4%A')).toBe('%E0%A4%A');
    expect(sessionCookieValue('other=1')).toBeUndefined();
    expect(sessionCookieValue(undefined)).toBeUndefined();
  });

  it('honours a login code once and only for ten minutes', () => {
    const codes = new LoginCodes();
    const now = 1_800_000_000_000;
    const once = codes.create('id-1', now);
    expect(codes.consume(once, now + 1000)).toBe('id-1');
    expect(codes.consume(once, now + 2000)).toBeUndefined();
    const late = codes.create('id-1', now);
    expect(codes.consume(late, now + 10 * 60_000 + 1)).toBeUndefined();
  });
});
