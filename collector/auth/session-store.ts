import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ensurePrivateDir, ensurePrivateFile } from '../../config/private-files.js';

/** How long a UI session lives: idle (no request) and at most (from sign-in). */
export interface SessionLifetimes {
  idleMs: number;
  maxLifetimeMs: number;
}

export const SESSION_DEFAULTS: SessionLifetimes = { idleMs: 2 * 3600_000, maxLifetimeMs: 12 * 3600_000 };

/** `last_seen` is written at most this often per session: an idle timeout needs no finer resolution. */
const TOUCH_EVERY_MS = 60_000;

const FILE = 'sessions.db';

const DDL = `
CREATE TABLE IF NOT EXISTS sessions (
  secret_sha256 TEXT PRIMARY KEY,
  token_id TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_token ON sessions(token_id);
`;

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Opens (creating, owner-only) the session database of a data directory. */
function openSessions(dataDir: string): Database.Database {
  ensurePrivateDir(dataDir);
  const path = join(dataDir, FILE);
  // SQLite gives the -wal and -shm files the main file's permissions.
  ensurePrivateFile(path);
  const db = new Database(path, { timeout: 1000 });
  // WAL: several collectors on one data directory and `logship token revoke` read and write it at once.
  db.pragma('journal_mode = WAL');
  db.exec(DDL);
  return db;
}

/**
 * UI sessions, kept in `<data_dir>/sessions.db` so every collector sharing the data directory sees a logout or a
 * revoke at once. A session is bound to the token's id (never its name: a new token under a revoked token's name
 * must not inherit its sessions) and ends after `idleMs` without a request or `maxLifetimeMs` after sign-in. The
 * cookie holds a random secret; only its SHA-256 is stored.
 */
export class SessionStore {
  private readonly db: Database.Database;
  private readonly statements;

  constructor(
    dataDir: string,
    private readonly lifetimes: SessionLifetimes = SESSION_DEFAULTS,
  ) {
    this.db = openSessions(dataDir);
    this.statements = {
      insert: this.db.prepare(
        `INSERT INTO sessions(secret_sha256, token_id, created_ms, last_seen_ms) VALUES (?, ?, ?, ?)`,
      ),
      get: this.db.prepare(`SELECT token_id, created_ms, last_seen_ms FROM sessions WHERE secret_sha256 = ?`),
      touch: this.db.prepare(`UPDATE sessions SET last_seen_ms = ? WHERE secret_sha256 = ?`),
      remove: this.db.prepare(`DELETE FROM sessions WHERE secret_sha256 = ?`),
      prune: this.db.prepare(`DELETE FROM sessions WHERE last_seen_ms < ? OR created_ms < ?`),
    };
  }

  /** The cookie lifetime a browser is told. */
  get maxLifetimeMs(): number {
    return this.lifetimes.maxLifetimeMs;
  }

  /** Starts a session of the token `tokenId`; returns the cookie value. */
  create(tokenId: string, now = Date.now()): string {
    const { idleMs, maxLifetimeMs } = this.lifetimes;
    this.statements.prune.run(now - idleMs, now - maxLifetimeMs);
    const secret = randomBytes(32).toString('base64url');
    this.statements.insert.run(hashSecret(secret), tokenId, now, now);
    return secret;
  }

  /** The token id of a live session; an idle or too old one is ended here. */
  verify(secret: string, now = Date.now()): string | undefined {
    if (secret.length > 256) return undefined;
    const key = hashSecret(secret);
    const row = this.statements.get.get(key) as
      { token_id: string; created_ms: number; last_seen_ms: number } | undefined;
    if (!row) return undefined;
    if (now - row.last_seen_ms > this.lifetimes.idleMs || now - row.created_ms > this.lifetimes.maxLifetimeMs) {
      this.statements.remove.run(key);
      return undefined;
    }
    if (now - row.last_seen_ms >= TOUCH_EVERY_MS) this.statements.touch.run(now, key);
    return row.token_id;
  }

  /** Ends one session (logout). */
  end(secret: string): void {
    this.statements.remove.run(hashSecret(secret));
  }

  close(): void {
    this.db.close();
  }
}

/** Ends every session of a token (on revoke); does nothing when no collector ever kept a session here. */
export function endTokenSessions(dataDir: string, tokenId: string): number {
  if (!existsSync(join(dataDir, FILE))) return 0;
  const db = openSessions(dataDir);
  try {
    return db.prepare(`DELETE FROM sessions WHERE token_id = ?`).run(tokenId).changes;
  } finally {
    db.close();
  }
}
