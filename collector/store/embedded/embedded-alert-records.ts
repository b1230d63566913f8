import type Database from 'better-sqlite3';
import { MAX_ALERT_RECORDS, type AlertRecord, type AlertRecordKind } from '../alert-records.js';

interface Row {
  id: string;
  version: number;
  body: string;
}

/**
 * Alert records in the `alert_records` table, on the writer thread's connection. One record is also read there: it is
 * the first half of a compare-and-set (the evaluation lease is renewed that way), which must see the last commit and
 * must not queue behind costly searches on the read threads, nor be refused when they are full. Each
 * write is an IMMEDIATE transaction: the write lock is taken before the version is read, so the check and the write are one
 * step, also against another collector process on the same file. Versions come from one counter in `meta` that
 * only grows, so a record deleted and written again never gets a version an old reader still holds.
 */
export class AlertRecordTable {
  private readonly putOne: (kind: AlertRecordKind, id: string, body: string, expected: number | null) => number | null;
  private readonly deleteOne: (kind: AlertRecordKind, id: string, expected: number | null) => boolean;
  private readonly one: Database.Statement;

  constructor(db: Database.Database) {
    const current = db.prepare(`SELECT version FROM alert_records WHERE kind = ? AND id = ?`).pluck();
    const nextVersion = db
      .prepare(
        `INSERT INTO meta(key, value) VALUES ('alert_version', '1')
         ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1 RETURNING CAST(value AS INTEGER)`,
      )
      .pluck();
    const upsert = db.prepare(
      `INSERT INTO alert_records(kind, id, version, body) VALUES (?, ?, ?, ?)
       ON CONFLICT(kind, id) DO UPDATE SET version = excluded.version, body = excluded.body`,
    );
    const remove = db.prepare(`DELETE FROM alert_records WHERE kind = ? AND id = ?`);
    this.one = db.prepare(`SELECT id, version, body FROM alert_records WHERE kind = ? AND id = ?`);
    this.putOne = db.transaction((kind: AlertRecordKind, id: string, body: string, expected: number | null) => {
      const version = current.get(kind, id) as number | undefined;
      if ((version ?? null) !== expected) return null;
      const next = nextVersion.get() as number;
      upsert.run(kind, id, next, body);
      return next;
    }).immediate;
    this.deleteOne = db.transaction((kind: AlertRecordKind, id: string, expected: number | null) => {
      const version = current.get(kind, id) as number | undefined;
      if (version === undefined || (expected !== null && version !== expected)) return false;
      remove.run(kind, id);
      return true;
    }).immediate;
  }

  /** Writes when the stored version is `expected` (null: none stored); the new version, or null. */
  put(kind: AlertRecordKind, id: string, body: string, expected: number | null): number | null {
    return this.putOne(kind, id, body, expected);
  }

  /** Deletes (only at version `expected` when not null); false when absent or changed. */
  delete(kind: AlertRecordKind, id: string, expected: number | null): boolean {
    return this.deleteOne(kind, id, expected);
  }

  /** One record as last committed, or null. */
  get(kind: AlertRecordKind, id: string): AlertRecord | null {
    const row = this.one.get(kind, id) as Row | undefined;
    return row ? record(kind, row) : null;
  }
}

/** Every record of a kind, by id: read on a read thread (read-worker.ts), like every listing. */
export class AlertRecordListing {
  private readonly all: Database.Statement;

  constructor(db: Database.Database) {
    this.all = db.prepare(`SELECT id, version, body FROM alert_records WHERE kind = ? ORDER BY id LIMIT ?`);
  }

  list(kind: AlertRecordKind): AlertRecord[] {
    return (this.all.all(kind, MAX_ALERT_RECORDS) as Row[]).map((row) => record(kind, row));
  }
}

function record(kind: AlertRecordKind, row: Row): AlertRecord {
  return { kind, id: row.id, version: String(row.version), body: JSON.parse(row.body) as unknown };
}

/** A version string of this store as its number; null for one it never gave (it can match no record). */
export function parseEmbeddedVersion(version: string): number | null {
  return /^\d{1,15}$/.test(version) ? Number(version) : null;
}
