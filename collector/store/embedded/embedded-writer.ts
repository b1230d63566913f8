import type Database from 'better-sqlite3';
import type { StoredEvent } from '../ecs-document.js';
import type { DeadLetter, WriteOutcome } from '../log-store.js';
import { MINUTE_MS, ROLLUP_UNITS } from './count-rollup.js';
import { KEYS_PER_MS, KEY_BITS } from './event-key.js';

/** Millisecond → next free `n` of the key; forgotten past this size (then read back from the table). */
const KEY_CACHE_LIMIT = 100_000;

/**
 * The write path of the embedded store: a request's batch is stored whole or not at all, and its answer comes after
 * the commit (synchronous = FULL: durable on disk). Ids already stored are counted as
 * duplicates by the unique index on `id` (INSERT OR IGNORE), never stored twice.
 */
export class EmbeddedWriter {
  private readonly nextN = new Map<number, number>();
  private readonly insertEvent: Database.Statement;
  private readonly insertText: Database.Statement;
  private readonly maxKey: Database.Statement;
  private readonly touchHost: Database.Statement;
  private readonly addCounts: Database.Statement;
  private readonly insertDeadLetter: Database.Statement;
  private readonly writeBatches: (batches: readonly (readonly StoredEvent[])[]) => WriteOutcome[];
  private readonly writeLetters: (items: readonly DeadLetter[]) => void;

  constructor(db: Database.Database) {
    this.insertEvent = db.prepare(
      `INSERT OR IGNORE INTO events(rowid, id, host, service, level, source, off, ingested, message, doc)
       VALUES ((? << ${KEY_BITS}) | ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertText = db.prepare(`INSERT INTO events_fts(rowid, message) VALUES ((? << ${KEY_BITS}) | ?, ?)`);
    this.maxKey = db
      .prepare(
        `SELECT max(rowid) - (? << ${KEY_BITS}) AS n FROM events
         WHERE rowid BETWEEN (? << ${KEY_BITS}) AND (? << ${KEY_BITS}) + ${KEYS_PER_MS - 1}`,
      )
      .pluck();
    this.touchHost = db.prepare(
      `INSERT INTO host_activity(host, last_ingested) VALUES (?, ?)
       ON CONFLICT(host) DO UPDATE SET last_ingested = max(last_ingested, excluded.last_ingested)`,
    );
    this.addCounts = db.prepare(
      `INSERT INTO event_counts(unit, slot, host, service, level, n) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(unit, slot, host, service, level) DO UPDATE SET n = n + excluded.n`,
    );
    this.insertDeadLetter = db.prepare(
      `INSERT INTO dead_letters(received_ms, received_at, code, reason, token, original, original_base64)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.writeBatches = db.transaction((batches: readonly (readonly StoredEvent[])[]) =>
      batches.map((events) => this.insertAll(events)),
    ).immediate;
    this.writeLetters = db.transaction((items: readonly DeadLetter[]) => {
      for (const item of items) {
        const text = typeof item.original === 'string';
        this.insertDeadLetter.run(
          Date.parse(item.receivedAt),
          item.receivedAt,
          item.code,
          item.reason,
          item.tokenName ?? null,
          text ? item.original : null,
          text ? null : (item.original as Buffer).toString('base64'),
        );
      }
    }).immediate;
  }

  /** Stores batches (one per request) in one transaction: one commit, one fsync for all of them. */
  write(batches: readonly (readonly StoredEvent[])[]): WriteOutcome[] {
    try {
      return this.writeBatches(batches);
    } catch (err) {
      // Keys handed out in the rolled-back transaction may be reused now; forget them rather than trust them.
      this.nextN.clear();
      throw err;
    }
  }

  writeDeadLetters(items: readonly DeadLetter[]): void {
    if (items.length > 0) this.writeLetters(items);
  }

  private insertAll(events: readonly StoredEvent[]): WriteOutcome {
    const outcome: WriteOutcome = { accepted: 0, duplicates: 0, failures: [] };
    const hosts = new Map<string, number>();
    const counts = new Map<string, number>();
    let lastIngested = '';
    let ingestedMs = 0;
    for (let i = 0; i < events.length; i++) {
      const { id, doc } = events[i]!;
      const ms = Date.parse(doc['@timestamp']);
      if (!Number.isFinite(ms)) {
        outcome.failures.push({ index: i, code: 'STORE_REJECTED', reason: 'The timestamp is not a valid time.' });
        continue;
      }
      if (doc.event.ingested !== lastIngested) {
        lastIngested = doc.event.ingested;
        ingestedMs = Date.parse(lastIngested);
      }
      const n = this.keyFor(ms);
      if (n >= KEYS_PER_MS) {
        outcome.failures.push({
          index: i,
          code: 'STORE_REJECTED',
          reason: `More than ${KEYS_PER_MS} events share the millisecond ${new Date(ms).toISOString()}.`,
        });
        continue;
      }
      const { message, ...rest } = doc;
      const host = doc.host?.name ?? null;
      const inserted = this.insertEvent.run(
        ms,
        n,
        id,
        host,
        doc.service?.name ?? null,
        doc.log?.level ?? null,
        doc.log?.file?.path ?? null,
        doc.log?.offset ?? null,
        ingestedMs,
        message,
        JSON.stringify(rest),
      );
      if (inserted.changes === 0) {
        outcome.duplicates++;
        (outcome.duplicateIndexes ??= []).push(i);
        continue;
      }
      this.nextN.set(ms, n + 1);
      this.insertText.run(ms, n, message);
      outcome.accepted++;
      if (host !== null) hosts.set(host, ingestedMs);
      const countKey = `${Math.floor(ms / MINUTE_MS)}\u0000${host ?? ''}\u0000${doc.service?.name ?? ''}\u0000${doc.log?.level ?? ''}`;
      counts.set(countKey, (counts.get(countKey) ?? 0) + 1);
    }
    for (const [host, at] of hosts) this.touchHost.run(host, at);
    for (const [key, n] of counts) {
      const [minute, host, service, level] = key.split('\u0000');
      for (const unit of ROLLUP_UNITS) {
        this.addCounts.run(unit, Math.floor(Number(minute) / unit), host, service, level, n);
      }
    }
    return outcome;
  }

  /** The next free `n` of a millisecond's keys. */
  private keyFor(ms: number): number {
    const cached = this.nextN.get(ms);
    if (cached !== undefined) return cached;
    if (this.nextN.size >= KEY_CACHE_LIMIT) this.nextN.clear();
    const max = this.maxKey.get(ms, ms, ms) as number | null;
    return max === null ? 0 : max + 1;
  }
}
