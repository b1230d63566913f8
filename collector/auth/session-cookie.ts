import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SESSION_COOKIE = 'logship_session';
/** A UI session lasts a working day; the token behind it is re-checked on every request. */
export const SESSION_TTL_MS = 12 * 3600_000;

/**
 * The key that signs session cookies, kept in the data directory so sessions survive restarts and every collector
 * sharing the data directory accepts them.
 */
function sessionKey(dataDir: string): Buffer {
  const path = join(dataDir, 'session.key');
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dataDir, { recursive: true });
  try {
    // 'wx': two collectors starting together must not overwrite each other's key.
    writeFileSync(path, randomBytes(32), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return readFileSync(path);
}

/**
 * Stateless signed session cookies: `base64url({n: token name, e: expiry}).hmac`. The cookie never holds the
 * token's secret, and revoking the token ends its sessions because the name is looked up on every request.
 */
export class SessionCookies {
  private readonly key: Buffer;

  constructor(dataDir: string) {
    this.key = sessionKey(dataDir);
  }

  /** A cookie value for a session of `tokenName`. */
  issue(tokenName: string, now = Date.now()): string {
    const payload = Buffer.from(JSON.stringify({ n: tokenName, e: now + SESSION_TTL_MS })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The token name of a valid, unexpired cookie; undefined otherwise. */
  verify(value: string, now = Date.now()): string | undefined {
    const dot = value.indexOf('.');
    if (dot < 0) return undefined;
    const payload = value.slice(0, dot);
    const given = Buffer.from(value.slice(dot + 1));
    const expected = Buffer.from(this.sign(payload));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const { n, e } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { n?: unknown; e?: unknown };
      return typeof n === 'string' && typeof e === 'number' && e > now ? n : undefined;
    } catch {
      return undefined;
    }
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
