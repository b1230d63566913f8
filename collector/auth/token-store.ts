import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CodedError } from '../../protocol/coded-error.js';
import { checkBinding } from './certificate-binding.js';
import type { Scope } from './scopes.js';
import { SessionCookies } from './session-cookie.js';

/** A stored token: the secret itself is never kept, only its SHA-256. */
export interface TokenRecord {
  name: string;
  scope: Scope;
  sha256: string;
  created_at: string;
  /** Only requests with a verified client certificate of this identity may use the token (`CN=…` or `DNS:…`). */
  bind_subject?: string;
}

const FILE = 'tokens.json';

/** Secrets are 256 random bits, so a plain SHA-256 is enough: there is nothing to brute-force. */
function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The token file lives in the data directory; `token create|list|revoke` and the collector share it. */
export function tokenFilePath(dataDir: string): string {
  return join(dataDir, FILE);
}

/** Reads the token file; an absent file means no tokens yet. */
export function readTokens(dataDir: string): TokenRecord[] {
  let text: string;
  try {
    text = readFileSync(tokenFilePath(dataDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const doc = JSON.parse(text) as { tokens?: TokenRecord[] };
  return doc.tokens ?? [];
}

/** Writes the token file atomically (temp file, fsync, rename) with owner-only permissions. */
function writeTokens(dataDir: string, tokens: TokenRecord[]): void {
  const path = tokenFilePath(dataDir);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ tokens }, null, 2) + '\n', { mode: 0o600 });
  const fd = openSync(tmp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
}

/** How a token is restricted beyond its scope. */
export interface TokenOptions {
  /** Binds the token to a client certificate identity (see collector/auth/certificate-binding.ts). */
  bindSubject?: string;
}

/** Creates a token and returns its secret, which is shown once and never stored. */
export function createToken(dataDir: string, name: string, scope: Scope, options: TokenOptions = {}): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
    throw new CodedError('TOKEN_BAD_NAME', `Token name "${name}" must be 1-64 letters, digits, '.', '_' or '-'.`, 400);
  }
  const bindSubject = options.bindSubject === undefined ? undefined : checkBinding(options.bindSubject);
  const tokens = readTokens(dataDir);
  if (tokens.some((t) => t.name === name)) {
    throw new CodedError('TOKEN_EXISTS', `A token named "${name}" exists already; revoke it first.`, 409);
  }
  const secret = `lsp_${randomBytes(32).toString('base64url')}`;
  tokens.push({
    name,
    scope,
    sha256: hashSecret(secret),
    created_at: new Date().toISOString(),
    ...(bindSubject === undefined ? {} : { bind_subject: bindSubject }),
  });
  writeTokens(dataDir, tokens);
  return secret;
}

/** Removes a token by name; false when there was none. */
export function revokeToken(dataDir: string, name: string): boolean {
  const tokens = readTokens(dataDir);
  const kept = tokens.filter((t) => t.name !== name);
  if (kept.length === tokens.length) return false;
  writeTokens(dataDir, kept);
  return true;
}

/**
 * The collector's view of the token file, re-read when it changes (checked at most every `reloadMs`), so
 * `token create` and `token revoke` apply to a running collector within seconds.
 */
export class TokenVerifier {
  private byHash = new Map<string, TokenRecord>();
  private byName = new Map<string, TokenRecord>();
  private lastCheck = 0;
  private lastStamp = '';
  /** UI sessions are made from tokens, so they are verified here too. */
  readonly sessions: SessionCookies;

  constructor(
    private readonly dataDir: string,
    private readonly reloadMs: number,
  ) {
    this.sessions = new SessionCookies(dataDir);
    this.reload(true);
  }

  /** The token record behind a session cookie, while the token exists; undefined otherwise. */
  verifySession(cookieValue: string): TokenRecord | undefined {
    const name = this.sessions.verify(cookieValue);
    if (name === undefined) return undefined;
    this.reload(false);
    return this.byName.get(name);
  }

  /** The token record for a presented secret, or undefined. */
  verify(secret: string): TokenRecord | undefined {
    this.reload(false);
    const digest = hashSecret(secret);
    const record = this.byHash.get(digest);
    // The map lookup already matched; the constant-time compare guards against a future change to prefix lookups.
    return record && timingSafeEqual(Buffer.from(record.sha256), Buffer.from(digest)) ? record : undefined;
  }

  private reload(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastCheck < this.reloadMs) return;
    this.lastCheck = now;
    let stamp = 'absent';
    try {
      const st = statSync(tokenFilePath(this.dataDir));
      stamp = `${st.ino}:${st.mtimeMs}:${st.size}`;
    } catch {
      // No file: no tokens.
    }
    if (!force && stamp === this.lastStamp) return;
    this.lastStamp = stamp;
    const tokens = readTokens(this.dataDir);
    this.byHash = new Map(tokens.map((t) => [t.sha256, t]));
    this.byName = new Map(tokens.map((t) => [t.name, t]));
  }
}
