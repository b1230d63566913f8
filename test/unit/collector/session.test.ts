import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoginCodes } from '../../../collector/auth/login-codes.js';
import { SESSION_TTL_MS, SessionCookies } from '../../../collector/auth/session-cookie.js';
import { createToken, revokeToken, TokenVerifier } from '../../../collector/auth/token-store.js';

describe('UI sessions', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'logship-session-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts its own cookie until expiry and refuses a tampered one', () => {
    const cookies = new SessionCookies(dir);
    const now = 1_800_000_000_000;
    const value = cookies.issue('alice', now);
    expect(cookies.verify(value, now + 1000)).toBe('alice');
    expect(cookies.verify(value, now + SESSION_TTL_MS + 1)).toBeUndefined();
    const [payload, mac] = value.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ n: 'admin', e: now + SESSION_TTL_MS })).toString('base64url');
    expect(cookies.verify(`${forged}.${mac}`, now)).toBeUndefined();
    expect(cookies.verify(`${payload}.${mac.slice(0, -2)}xx`, now)).toBeUndefined();
    expect(cookies.verify('garbage', now)).toBeUndefined();
  });

  it('shares the signing key across collectors on one data directory, and a revoked token ends its sessions', async () => {
    createToken(dir, 'bob', 'read');
    const a = new TokenVerifier(dir, 10);
    const b = new TokenVerifier(dir, 10);
    const cookie = a.sessions.issue('bob');
    expect(b.verifySession(cookie)?.name).toBe('bob');
    revokeToken(dir, 'bob');
    await new Promise((r) => setTimeout(r, 20));
    expect(b.verifySession(cookie)).toBeUndefined();
  });

  it('honours a login code once and only for ten minutes', () => {
    const codes = new LoginCodes();
    const now = 1_800_000_000_000;
    const once = codes.create('standalone-read', now);
    expect(codes.consume(once, now + 1000)).toBe('standalone-read');
    expect(codes.consume(once, now + 2000)).toBeUndefined();
    const late = codes.create('standalone-read', now);
    expect(codes.consume(late, now + 10 * 60_000 + 1)).toBeUndefined();
  });
});
