import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensurePrivateDir } from '../../config/private-files.js';
import { CodedError } from '../../protocol/coded-error.js';
import { checkBinding } from './certificate-binding.js';
import type { Scope } from './scopes.js';
import { endTokenSessions, SessionStore, type SessionLifetimes } from './session-store.js';

/** A stored token: the secret itself is never kept, only its SHA-256. */
export interface TokenRecord {
  /** Unique for ever: a token created later under the same name has another id. Absent in older token files. */
  id?: string;
  name: string;
  scope: Scope;
  sha256: string;
  created_at: string;
  /** Only requests with a verified client certificate of this identity may use the token (`CN=…` or `DNS:…`). */
  bind_subject?: string;
}

/**
 * The id of a token: what sessions and login links are bound to (never the name, which can be reused after a
 * revoke). Tokens from before ids existed use a prefix of their secret's hash, which is just as unique.
 */
export function tokenId(token: TokenRecord): string {
  return token.id ?? `h-${token.sha256.slice(0, 24)}`;
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
  ensurePrivateDir(dirname(path));
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
    id: randomBytes(12).toString('base64url'),
    name,
    scope,
    sha256: hashSecret(secret),
    created_at: new Date().toISOString(),
    ...(bindSubject === undefined ? {} : { bind_subject: bindSubject }),
  });
  writeTokens(dataDir, tokens);
  return secret;
}

/**
 * Removes a token by name and ends its UI sessions on every collector of the data directory; false when there was
 * no such token.
 */
export function revokeToken(dataDir: string, name: string): boolean {
  const tokens = readTokens(dataDir);
  const kept = tokens.filter((t) => t.name !== name);
  if (kept.length === tokens.length) return false;
  writeTokens(dataDir, kept);
  for (const gone of tokens) if (gone.name === name) endTokenSessions(dataDir, tokenId(gone));
  return true;
}

/**
 * The collector's view of the token file, re-read when it changes (checked at most every `reloadMs`), so
 * `token create` and `token revoke` apply to a running collector within seconds.
 */
export class TokenVerifier {
  private byHash = new Map<string, TokenRecord>();
  private byId = new Map<string, TokenRecord>();
  private byName = new Map<string, TokenRecord>();
  private lastCheck = 0;
  private lastStamp = '';
  /** UI sessions are made from tokens, so they are verified here too. */
  readonly sessions: SessionStore;

  constructor(
    private readonly dataDir: string,
    private readonly reloadMs: number,
    sessionLifetimes?: SessionLifetimes,
  ) {
    this.sessions = new SessionStore(dataDir, sessionLifetimes);
    this.reload(true);
  }

  /** The token record behind a session cookie, while both the session and that very token exist. */
  verifySession(cookieValue: string): TokenRecord | undefined {
    const id = this.sessions.verify(cookieValue);
    if (id === undefined) return undefined;
    this.reload(false);
    return this.byId.get(id);
  }

  /** The current token of an id (login links are bound to ids), or undefined once it was revoked. */
  byTokenId(id: string): TokenRecord | undefined {
    this.reload(false);
    return this.byId.get(id);
  }

  /** The current token of a name, or undefined; reads the file now (a token may have been created a moment ago). */
  byTokenName(name: string): TokenRecord | undefined {
    this.reload(true);
    return this.byName.get(name);
  }

  /** Releases the session database. */
  close(): void {
    this.sessions.close();
  }

  /** The token record for a presented secret, or undefined. */
  verify(secret: string): TokenRecord | undefined {
    this.reload(false);
    const digest = hashSecret(secret);
    let record = this.byHash.get(digest);
    if (!record) {
      // A token created a moment ago (a login right after `token create`): a miss checks the file's stamp now, a
      // stat, and reads it only when it changed, instead of refusing the new token until the next interval.
      this.lastCheck = 0;
      this.reload(false);
      record = this.byHash.get(digest);
    }
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
    this.byId = new Map(tokens.map((t) => [tokenId(t), t]));
    this.byName = new Map(tokens.map((t) => [t.name, t]));
  }
}
