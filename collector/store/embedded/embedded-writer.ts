import type Database from 'better-sqlite3';
import type { WriteOutcome } from '../log-store.js';
import { MINUTE_MS, ROLLUP_UNITS, SOURCES_FROM_KEY } from './count-rollup.js';
import {
  EncodedEventReader,
  type CountGroup,
  type DeadLetterRow,
  type EncodedEvent,
  type EncodedEvents,
} from './encoded-events.js';
import { isAcceptedTime, outsideAcceptedTimes } from '../field-catalogue.js';
import { IdWriter } from './event-ids.js';
import { DAY_MS, KEY_BITS, keyLayout, KEYS_PER_UNIT, type KeyLayout } from './event-key.js';
import { IngestRunWriter, TransactionRuns } from './ingest-runs.js';
import { BlockCache, BlockWriter } from './message-blocks.js';
import { keepsMessageBlocks } from './embedded-schema.js';
import { MillisecondTable } from './millisecond-table.js';
import { NameCodes } from './stored-names.js';
import type { ExpiryStep } from './writer-protocol.js';

/**
 * Whether SQLite's JSON functions give `text` back unchanged: not when it holds a lone surrogate or a NUL. Two
 * built-in scans (a one-byte string is well formed without one) instead of a Unicode regular expression.
 */
function viaJson(text: string): boolean {
  return text.isWellFormed() && !text.includes('\u0000');
}

/**
 * A transaction's rollup rows (by unit, slot and key) with their counts, each host's latest ingest time, and where
 * its events went for the live tail (ingest-runs.ts).
 */
interface RollupSums {
  counts: Map<string, { row: [number, number, string, string, string, string]; n: number }>;
  hosts: Map<string, number>;
  runs: TransactionRuns;
}

/** What the rows of a rollup key store for its host (its code, or its text: stored-names.ts), service, level and source. */
type GroupCodes = [host: Buffer | string | null, service: Buffer | null, level: Buffer | null, source: Buffer | null];

/** Rows one retention statement deletes: the step's time budget is checked between statements. */
const EXPIRE_CHUNK = 500;

/** Key unit → next free `n` of its keys; forgotten past this size (then read back from the table). */
const KEY_CACHE_LIMIT = 100_000;

/**
 * The write path of the embedded store, run on the writer thread (writer-worker.ts): a request's batch is stored
 * whole or not at all, and its answer comes after the commit (synchronous = FULL: durable on disk). Ids already
 * stored are counted as duplicates by the unique index on `id` (INSERT OR IGNORE), never stored twice.
 */
export class EmbeddedWriter {
  /** How the file keys its rows (event-key.ts): `n` numbers the events of each unit, a millisecond or a second. */
  private readonly keys: KeyLayout;
  /** Next free `n` by key unit (the table takes any number, a unit as well as a millisecond). */
  private readonly nextN = new MillisecondTable(KEY_CACHE_LIMIT);
  /**
   * No stored key has a unit above this one except those in `nextN`: past it a new unit starts at n = 0 without
   * asking the table (a query per event otherwise, as log events mostly each have their own ms).
   */
  private knownUpToUnit: number;
  /** The latest unit of a key stored by this writer; every unit in `nextN` is at or below it. */
  private latestUnit = -Infinity;
  private readonly names: NameCodes;
  /** The stored value of each id: a shipper's as a number in files that keep them so (event-ids.ts). */
  private readonly ids: IdWriter;
  private readonly insertEvent: Database.Statement;
  /** The same insert for a message kept without its leading time: the rest as a BLOB (stored-document.ts). */
  private readonly insertElided: Database.Statement;
  private readonly insertRef: Database.Statement;
  private readonly insertText: Database.Statement;
  private readonly insertTexts: Database.Statement;
  private readonly maxKey: Database.Statement;
  private readonly touchHost: Database.Statement;
  private readonly addCounts: Database.Statement;
  private readonly runs: IngestRunWriter;
  /** Where messages go in blocks (message-blocks.ts); null in a file upgraded from before them, which keeps text. */
  private readonly blocks: BlockWriter | null;
  /** Blocks the delete trigger reads messages from, to take their words out of the full-text index. */
  private readonly blockCache = new BlockCache();
  private readonly deleteBlocks: Database.Statement;
  private readonly insertDeadLetter: Database.Statement;
  private readonly deleteEvents: Database.Statement;
  private readonly deleteCounts: Database.Statement;
  private readonly forgetSourcesFrom: Database.Statement;
  private readonly expireStep: (cutoffMs: number, deadline: number) => ExpiryStep;
  private readonly writeBatches: (batches: readonly EncodedEvents[]) => WriteOutcome[];
  private readonly writeLetters: (rows: readonly DeadLetterRow[]) => void;

  constructor(private readonly db: Database.Database) {
    const keys = (this.keys = keyLayout(db));
    this.names = new NameCodes(db);
    this.ids = new IdWriter(db);
    // DO NOTHING on the id only: a taken row key raises SQLITE_CONSTRAINT_PRIMARYKEY instead (see insertAll).
    // Bound: the unit, `n`, the columns, and the millisecond within the unit in a file that keeps it (`msx`).
    const [msxColumn, msxValue] = keys.msx ? [', msx', ', ?'] : ['', ''];
    const insertSql = (message: string): string =>
      `INSERT INTO events(rowid, id, host, service, level, source, off, ingested, message, doc, dataset${msxColumn})
       VALUES (${keys.sqlKey('?', '?')}, ?, ?, ?, ?, ?, ?, ?, ${message}, ?, ?${msxValue}) ON CONFLICT(id) DO NOTHING`;
    this.insertEvent = db.prepare(insertSql('?'));
    // SQLite casts the bound text's UTF-8 to a BLOB as it is: the same bytes as a Buffer made of it in JavaScript,
    // without making one per event (0.4 µs of the writer's time per event).
    this.insertElided = db.prepare(insertSql('CAST(? AS BLOB)'));
    // A block reference as an INTEGER: better-sqlite3 binds a number as a REAL, which the column would keep as one.
    this.insertRef = db.prepare(insertSql('CAST(? AS INTEGER)'));
    this.insertText = db.prepare(`INSERT INTO events_fts(rowid, message) VALUES (${keys.sqlKey('?', '?')}, ?)`);
    // A request's messages go to FTS5 in one statement, a JSON object of row key → message: one statement per event
    // cost 0.8 µs of the writer's ~12 µs per event (measured in issue 8), and each statement that writes to FTS5
    // flushes its pending terms to disk (FTS5's savepoint), so a trigger per row was 4× slower still. The keys
    // are names, so json_each gives each pair without parsing anything again: an array of [ms, n, message] took
    // three json_extract calls per event (FTS5 insert 5.9 → 4.9 µs per event, alternating batches, issue 19).
    this.insertTexts = db.prepare(
      `INSERT INTO events_fts(rowid, message) SELECT CAST(key AS INTEGER), value FROM json_each(?)`,
    );
    this.maxKey = db
      .prepare(
        `SELECT max(rowid) - ${keys.sqlKey('?', '0')} AS n FROM events WHERE ${keys.sqlUnits('rowid', '?', '?')}`,
      )
      .pluck();
    this.touchHost = db.prepare(
      `INSERT INTO host_activity(host, last_ingested) VALUES (?, ?)
       ON CONFLICT(host) DO UPDATE SET last_ingested = max(last_ingested, excluded.last_ingested)`,
    );
    this.addCounts = db.prepare(
      `INSERT INTO event_counts(unit, slot, host, service, level, source, n) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(unit, slot, host, service, level, source) DO UPDATE SET n = n + excluded.n`,
    );
    this.runs = new IngestRunWriter(db);
    this.blockCache.register(db);
    this.blocks = keepsMessageBlocks(db) ? new BlockWriter(db) : null;
    // Blocks whose every event is past the cutoff, on the index of their latest event time.
    this.deleteBlocks = db.prepare(
      `DELETE FROM message_blocks WHERE block IN (SELECT block FROM message_blocks WHERE last < ? LIMIT ${EXPIRE_CHUNK})`,
    );
    const top = db.prepare(`SELECT max(rowid) >> ${KEY_BITS} FROM events`).pluck().get() as number | null;
    this.knownUpToUnit = top ?? -Infinity;
    this.insertDeadLetter = db.prepare(
      `INSERT INTO dead_letters(received_ms, received_at, code, reason, token, original, original_base64,
         original_bytes, original_sha256)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // The oldest keys first, walking the row key (event-key.ts); the FTS rows go with them (events_fts_delete). Up
    // to the end of the unit holding the cutoff's previous millisecond, and checked on the millisecond: a cutoff
    // inside a second (never a day's start) leaves the second's later events.
    this.deleteEvents = db
      .prepare(
        `DELETE FROM events WHERE rowid IN (SELECT rowid FROM events WHERE rowid < ${keys.sqlKey('?', '0')}
         AND ${keys.sqlMs('events')} < ? ORDER BY rowid LIMIT ${EXPIRE_CHUNK}) RETURNING ${keys.sqlMs('events')}`,
      )
      .pluck();
    // One unit's slots before the cutoff's slot, found on the primary key's (unit, slot) prefix.
    this.deleteCounts = db.prepare(
      `DELETE FROM event_counts WHERE (unit, slot, host, service, level, source) IN
         (SELECT unit, slot, host, service, level, source FROM event_counts WHERE unit = ? AND slot < ? LIMIT ${EXPIRE_CHUNK})`,
    );
    this.forgetSourcesFrom = db.prepare(`DELETE FROM meta WHERE key = ? AND CAST(value AS INTEGER) <= ?`);
    this.expireStep = db.transaction((cutoffMs: number, deadline: number) =>
      this.expireRows(cutoffMs, deadline),
    ).immediate;
    this.writeBatches = db.transaction((batches: readonly EncodedEvents[]) => {
      // One FTS5 statement for the whole transaction: each such statement first writes the terms pending from the
      // last one to disk as a segment of their own, so one per request made more, smaller segments to merge.
      const texts: string[] = [];
      // One upsert per rollup row and host for the whole transaction: its requests mostly share their 15-minute and
      // day slots, and the upserts were 7 % of the writer thread's time when each request had its own.
      const sums: RollupSums = { counts: new Map(), hosts: new Map(), runs: new TransactionRuns() };
      // Another collector on the file may have stored blocks since this one's last transaction.
      this.blocks?.begin();
      const outcomes = batches.map((events) => this.insertAll(events, texts, sums));
      for (const { row, n } of sums.counts.values()) this.addCounts.run(...row, n);
      for (const [host, at] of sums.hosts) this.touchHost.run(host, at);
      this.runs.write(sums.runs);
      this.blocks?.flush();
      this.ids.finish();
      if (texts.length > 0) this.insertTexts.run(`{${texts.join(',')}}`);
      return outcomes;
    }).immediate;
    this.writeLetters = db.transaction((rows: readonly DeadLetterRow[]) => {
      for (const row of rows) this.insertDeadLetter.run(...row);
    }).immediate;
  }

  /** Stores batches (one per request) in one transaction: one commit, one fsync for all of them. */
  write(batches: readonly EncodedEvents[]): WriteOutcome[] {
    try {
      return this.writeBatches(batches);
    } catch (err) {
      // Keys handed out in the rolled-back transaction may be reused now, and names it added are gone: forget both
      // rather than trust them.
      this.forgetKeys();
      this.names.forget();
      this.runs.forget();
      this.ids.abandon();
      throw err;
    } finally {
      this.names.transactionEnded();
    }
  }

  writeDeadLetters(rows: readonly DeadLetterRow[]): void {
    if (rows.length > 0) this.writeLetters(rows);
  }

  /** Writes a tiny row: whether a write would succeed now (`/readyz` after a failed write). */
  probe(): void {
    this.db.prepare(`INSERT OR REPLACE INTO meta(key, value) VALUES ('probe', ?)`).run(String(Date.now()));
  }

  recordHeartbeat(host: string, receivedAt: string, heartbeat: string, clock: string | null): void {
    this.db.transaction(() => {
      this.db
        .prepare(`INSERT OR REPLACE INTO heartbeats(host, received_at, heartbeat) VALUES (?, ?, ?)`)
        .run(host, receivedAt, heartbeat);
      // A heartbeat without an estimate leaves the last one in place: /hosts shows it with its age.
      if (clock !== null)
        this.db.prepare(`INSERT OR REPLACE INTO host_clocks(host, clock) VALUES (?, ?)`).run(host, clock);
    })();
  }

  /**
   * One step of retention: deletes the oldest events before `cutoffMs`, then their rollup slots, EXPIRE_CHUNK rows
   * per statement, and commits once `budgetMs` have passed. Writes waiting meanwhile are taken before the next step,
   * so expiring a large day holds ingest and the reads' view of new events up for about one step, never for the day.
   */
  expire(cutoffMs: number, budgetMs: number): ExpiryStep {
    return this.expireStep(cutoffMs, performance.now() + budgetMs);
  }

  private expireRows(cutoffMs: number, deadline: number): ExpiryStep {
    const days = new Set<number>();
    const cutoffMinute = Math.floor(cutoffMs / MINUTE_MS);
    let eventsLeft = true;
    let blocksLeft = this.blocks !== null;
    const unitsLeft = new Set<number>(ROLLUP_UNITS);
    do {
      if (eventsLeft) {
        const deleted = this.deleteEvents.all(this.keys.unitOf(cutoffMs - 1) + 1, cutoffMs) as number[];
        for (const ms of deleted) days.add(Math.floor(ms / DAY_MS) * DAY_MS);
        eventsLeft = deleted.length === EXPIRE_CHUNK;
        continue;
      }
      // Blocks after their events, whose deletes read them (events_fts_delete).
      if (blocksLeft) {
        blocksLeft = this.deleteBlocks.run(cutoffMs).changes === EXPIRE_CHUNK;
        continue;
      }
      // Counts after the events: a read meanwhile never finds a slot's count without its events.
      const [unit] = unitsLeft;
      if (unit === undefined) break;
      if (this.deleteCounts.run(unit, Math.floor(cutoffMinute / unit)).changes < EXPIRE_CHUNK) unitsLeft.delete(unit);
      if (unitsLeft.size === 0) {
        // Every unit's slots before the coarsest slot of the cutoff are gone: rollup rows copied without their
        // source (SOURCES_FROM_KEY) are gone with them if they all came before it.
        const coarsest = Math.max(...ROLLUP_UNITS);
        this.forgetSourcesFrom.run(SOURCES_FROM_KEY, Math.floor(cutoffMinute / coarsest) * coarsest * MINUTE_MS);
        this.runs.expire(cutoffMs);
        this.ids.expireBefore(cutoffMs);
      }
    } while (performance.now() < deadline);
    return { days: [...days], done: !eventsLeft && !blocksLeft && unitsLeft.size === 0 };
  }

  /** Deletes dead letters received before `cutoffMs`; returns the received ms of each. */
  expireDeadLetters(cutoffMs: number): number[] {
    return this.db
      .prepare(`DELETE FROM dead_letters WHERE received_ms < ? RETURNING received_ms`)
      .pluck()
      .all(cutoffMs) as number[];
  }

  /**
   * Stores one request's events; `texts` collects their `"key":message` members for insertTexts, `sums` their
   * rollup counts and hosts' latest ingest times.
   */
  private insertAll(events: EncodedEvents, texts: string[], sums: RollupSums): WriteOutcome {
    const outcome: WriteOutcome = { accepted: 0, duplicates: 0, failures: [] };
    // Per rollup key (computed by encodeEvents): events stored, and their latest ingest time for host_activity.
    const stored = new Uint32Array(events.groups.length);
    const latestIngested = new Float64Array(events.groups.length);
    // Per rollup key, the first and last time of its stored events (the spans of ingest-runs.ts), and the request's
    // earliest ingest time.
    const firstMs = new Float64Array(events.groups.length);
    const lastMs = new Float64Array(events.groups.length);
    let earliestIngested = Infinity;
    // The codes of each rollup key's names, looked up once per key (when an event of it is first inserted) rather
    // than once per event.
    const codes: (GroupCodes | undefined)[] = new Array(events.groups.length);
    const reader = new EncodedEventReader(events);
    const e = reader.event;
    for (let i = 0; reader.next(); i++) {
      const ms = e.ms;
      if (!isAcceptedTime(ms)) {
        // Its key would wrap 64 bits (event-key.ts); the collector's ingest refuses such events before this.
        const reason = Number.isFinite(ms)
          ? outsideAcceptedTimes('@timestamp', new Date(ms).toISOString())
          : 'The timestamp is not a valid time.';
        outcome.failures.push({ index: i, code: 'STORE_REJECTED', reason });
        continue;
      }
      const asJson = viaJson(e.message);
      // The time is left out only of text that SQLite gives back unchanged (see viaJson).
      if (e.timeElided && !asJson) {
        e.message = new Date(ms).toISOString() + e.message;
        e.timeElided = false;
      }
      // In a block, a message SQLite's JSON gives back unchanged (the full-text index gets it through JSON below).
      const ref = this.blocks !== null && asJson ? this.blocks.nextRef(e.timeElided) : null;
      const unit = this.keys.unitOf(ms);
      let n = this.keyFor(unit);
      let inserted: number | 'key taken' = 'key taken';
      while (
        n < KEYS_PER_UNIT &&
        (inserted = this.insert(ms, n, e, ref, (codes[e.group] ??= this.groupCodes(events.groups[e.group]!)))) ===
          'key taken'
      )
        n = this.storedKeyFor(unit);
      if (inserted === 'key taken') {
        const start = new Date(this.keys.unitStart(ms)).toISOString();
        outcome.failures.push({
          index: i,
          code: 'STORE_REJECTED',
          reason: this.keys.msx
            ? `More than ${KEYS_PER_UNIT} events share the second ${start}.`
            : `More than ${KEYS_PER_UNIT} events share the millisecond ${start}.`,
        });
        continue;
      }
      if (inserted === 0) {
        outcome.duplicates++;
        (outcome.duplicateIndexes ??= []).push(i);
        continue;
      }
      this.nextN.set(unit, n + 1);
      if (ref !== null) this.blocks!.keep(e.message, ms);
      if (unit > this.latestUnit) this.latestUnit = unit;
      // FTS5 indexes the message as kept: without a time left out (stored-document.ts).
      // Through JSON only what SQLite's JSON reads back exactly: a lone surrogate or a NUL could come back changed,
      // and FTS5 must index the very text a retention delete tokenizes again.
      if (asJson) texts.push(`"${this.keys.keyOf(ms, n)}":${JSON.stringify(e.message)}`);
      else this.insertText.run(unit, n, e.message);
      outcome.accepted++;
      const g = e.group;
      if (stored[g]!++ === 0) {
        firstMs[g] = ms;
        lastMs[g] = ms;
        latestIngested[g] = e.ingestedMs;
      } else {
        if (ms < firstMs[g]!) firstMs[g] = ms;
        else if (ms > lastMs[g]!) lastMs[g] = ms;
        if (e.ingestedMs > latestIngested[g]!) latestIngested[g] = e.ingestedMs;
      }
      if (e.ingestedMs < earliestIngested) earliestIngested = e.ingestedMs;
    }
    const { counts, hosts, runs } = sums;
    // One upsert per rollup row, not one per minute and unit: a request's minutes mostly share their 15-minute and day
    // slots, so their counts are summed here first.
    events.groups.forEach(([minute, host, service, level, source], g) => {
      const n = stored[g]!;
      if (n === 0) return;
      runs.add(firstMs[g]!, lastMs[g]!, n, earliestIngested, latestIngested[g]!);
      for (const unit of ROLLUP_UNITS) {
        const slot = Math.floor(minute / unit);
        const id = `${unit}\u0000${slot}\u0000${host ?? ''}\u0000${service ?? ''}\u0000${level ?? ''}\u0000${source ?? ''}`;
        const entry = counts.get(id);
        if (entry) entry.n += n;
        else counts.set(id, { row: [unit, slot, host ?? '', service ?? '', level ?? '', source ?? ''], n });
      }
      if (host !== null) hosts.set(host, Math.max(hosts.get(host) ?? 0, latestIngested[g]!));
    });
    return outcome;
  }

  private groupCodes([, host, service, level, source]: CountGroup): GroupCodes {
    return [this.names.host(host), this.names.code(service), this.names.code(level), this.names.code(source)];
  }

  /**
   * Inserts one event, its message as the block reference `ref` or, when null, as text: 1, or 0 when its id is
   * stored already, or 'key taken' when another row holds the key.
   */
  private insert(
    ms: number,
    n: number,
    e: EncodedEvent,
    ref: number | null,
    [host, service, level, source]: GroupCodes,
  ): number | 'key taken' {
    const statement = ref !== null ? this.insertRef : e.timeElided ? this.insertElided : this.insertEvent;
    const { keys } = this;
    try {
      return statement.run(
        keys.unitOf(ms),
        n,
        this.ids.value(e.id, ms),
        host,
        service,
        level,
        source,
        e.offset,
        keys.ingestedValue(ms, e.ingestedMs),
        ref ?? e.message,
        e.doc,
        this.names.code(e.dataset),
        ...(keys.msx ? [keys.msWithin(ms)] : []),
      ).changes;
    } catch (err) {
      if ((err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'key taken';
      throw err;
    }
  }

  /** The next free `n` of a key unit's keys as the table says (another writer may have taken some). */
  private storedKeyFor(unit: number): number {
    const max = this.maxKey.get(unit, unit, unit) as number | null;
    return max === null ? 0 : max + 1;
  }

  /** The next free `n` of a key unit's keys. */
  private keyFor(unit: number): number {
    if (this.nextN.size >= KEY_CACHE_LIMIT) this.forgetKeys();
    // Events mostly arrive in time order: a unit past every stored key needs no lookup at all.
    if (unit > this.latestUnit && unit > this.knownUpToUnit) return 0;
    const cached = this.nextN.get(unit);
    if (cached !== undefined) return cached;
    if (unit > this.knownUpToUnit) return 0;
    return this.storedKeyFor(unit);
  }

  /** Empties the key cache; the units it covered are then read back from the table. */
  private forgetKeys(): void {
    this.nextN.clear();
    if (this.latestUnit > this.knownUpToUnit) this.knownUpToUnit = this.latestUnit;
  }
}
