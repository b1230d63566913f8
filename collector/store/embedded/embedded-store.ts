import { accessSync, constants, existsSync, mkdirSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { StoreWriteMetrics } from '../../monitoring/store-write-metrics.js';
import type { DeadLetterEntry, DeadLetterPage } from '../../../protocol/dead-letter.js';
import type { Heartbeat } from '../../../protocol/heartbeat.js';
import { dailyIndex, deadLetterIndex } from '../daily-index.js';
import type { StoredEvent } from '../ecs-document.js';
import type {
  DeadLetter,
  DeadLetterQuery,
  LogStore,
  RetentionOutcome,
  RetentionPolicy,
  SearchPage,
  SearchRequest,
  WriteOutcome,
} from '../log-store.js';
import type * as Read from '../read-model.js';
import { StoreUnavailableError } from '../store-errors.js';
import { EmbeddedAggregations } from './embedded-aggregations.js';
import { classifyStoreError, EmbeddedStoreError, type EmbeddedProblemCode } from './embedded-errors.js';
import { configureReader } from './embedded-schema.js';
import { clampMs, EmbeddedSearch } from './embedded-search.js';
import { deadLetterRows, encodeEvents } from './encoded-events.js';
import { DAY_MS, keyOf } from './event-key.js';
import { QueryFunctions } from './sql-functions.js';
import { restoreDocument } from './stored-document.js';
import { WriterThread } from './writer-thread.js';
import { writerWorkerFile } from './writer-worker-file.js';

export interface EmbeddedStoreOptions {
  /** The folder of the store (`<data_dir>/store`); created when missing. */
  dir: string;
  searchTimeoutMs: number;
  exactTotalUpTo: number;
  /** How long a write waits for a lock held by another process before answering 503 STORE_LOCKED. */
  lockTimeoutMs?: number;
}

/** One page of `exportEvents`: a time window (inclusive) and the key the last page ended at (null: the start). */
export interface ExportRequest {
  from: Date;
  to: Date;
  after: bigint | null;
  limit: number;
}

/** Whole stored events in key order, and the key to read on from (null once the window is read). */
export interface ExportPage {
  events: StoredEvent[];
  next: bigint | null;
}

/** Rows deleted per transaction by retention, so a large expiry never holds the writer for long. */
const RETENTION_BATCH = 5000;
/** How long a write waits for a lock another process holds: a held lock soon answers 503 STORE_LOCKED. */
const DEFAULT_LOCK_TIMEOUT_MS = 250;
/** After a full disk, this much must be freed before /readyz reports ready again (a write succeeding also does). */
const FREED_BYTES = 1024 * 1024;
/** After a failed open, the next attempt waits this long (a write or /readyz triggers it). */
const REOPEN_AFTER_MS = 1000;

interface Open {
  /** Holds the only writing connection, on its own thread. */
  writer: WriterThread;
  readDb: Database.Database;
  search: EmbeddedSearch;
  aggregations: EmbeddedAggregations;
}

/**
 * The embedded implementation of LogStore: one SQLite file in WAL mode, written through one connection on a writer
 * thread (so inserting and fsyncing run beside the parsing of the next requests on the main thread) and read
 * through another on the main thread, so searches read a consistent snapshot and never block a write. A file that
 * cannot be opened or written (locked, damaged, read-only, disk full) leaves the store "unavailable" with a coded
 * problem instead of stopping the collector: writes answer 503 so shippers keep their data, `/readyz` says why, and
 * the store tries again on the next write or probe.
 */
export class EmbeddedStore implements LogStore {
  readonly path: string;
  private readonly workerFile: URL;
  private open: Open | null = null;
  private opening: Promise<Open | null> | null = null;
  /** The writer thread, kept across reopenings; replaced when it died. */
  private writer: WriterThread | null = null;
  private problem: EmbeddedStoreError | null = null;
  private lastAttempt = 0;
  private closed = false;
  /** Requests under way, which close() lets finish: a write acknowledged to a sender is never cut off. */
  private readonly underway = new Set<Promise<unknown>>();
  private metrics: StoreWriteMetrics | undefined;
  /** Free bytes when a write last failed for a full disk. */
  private freeAtFull: number | null = null;

  constructor(
    private readonly options: EmbeddedStoreOptions,
    private readonly logger: Logger,
  ) {
    this.path = join(options.dir, 'events.db');
    // Resolved now so a missing build fails at start-up, not as a 503 on the first write.
    this.workerFile = writerWorkerFile();
  }

  async init(): Promise<void> {
    await this.tryOpen();
  }

  /** Write latency and the writer thread's queue in the collector's `/metrics`. */
  registerMetrics(registry: Registry): void {
    // One writer works at a time; everything else posted to it waits (group commit takes several at once).
    const pending = () => this.writer?.pending ?? 0;
    this.metrics = new StoreWriteMetrics(registry, {
      pending: () => Math.max(0, pending() - 1),
      active: () => Math.min(1, pending()),
    });
  }

  /** The current problem for `/readyz`, or null when the store works. */
  readinessProblem(): { code: EmbeddedProblemCode; message: string } | null {
    return this.problem ? { code: this.problem.problem, message: this.problem.message } : null;
  }

  async ready(): Promise<boolean> {
    const open = await this.tryOpen(true);
    if (!open) return false;
    if (!this.problem) return true;
    if (this.problem.problem === 'STORE_DISK_FULL') {
      // A tiny probe would still fit on an almost full disk: ready again once space was freed, or a batch went in.
      const free = freeBytes(this.options.dir);
      if (free === null || this.freeAtFull === null || free < this.freeAtFull + FREED_BYTES) return false;
      this.problem = null;
      return true;
    }
    // The last write failed (a lock, an I/O error): a tiny write tells whether one would succeed now.
    try {
      await open.writer.request('probe', {});
      this.problem = null;
      return true;
    } catch (err) {
      this.remember(err);
      return false;
    }
  }

  /**
   * Stores a request's events. Requests arriving while one is being committed are written together in the next
   * transaction (group commit, in writer-worker.ts): with many shippers, one fsync serves several requests.
   */
  async write(events: readonly StoredEvent[]): Promise<WriteOutcome> {
    const timed = this.metrics?.startBulk();
    const outcome = await this.guard((open) => {
      const encoded = encodeEvents(events);
      return open.writer.request('write', { events: encoded }, [encoded.numbers.buffer as ArrayBuffer]);
    }).finally(timed);
    this.problem = null;
    return outcome;
  }

  async writeDeadLetters(items: readonly DeadLetter[]): Promise<void> {
    return this.guard(async (open) => {
      if (items.length > 0) await open.writer.request('deadLetters', { rows: deadLetterRows(items) });
    });
  }

  async listDeadLetters(query: DeadLetterQuery): Promise<DeadLetterPage> {
    return this.guard((open) => {
      const codes = query.codes.length ? ` AND code IN (${query.codes.map(() => '?').join(', ')})` : '';
      const where = `received_ms BETWEEN ? AND ?${codes}`;
      const params = [query.from.getTime(), query.to.getTime(), ...query.codes];
      const rows = open.readDb
        .prepare(`SELECT * FROM dead_letters WHERE ${where} ORDER BY received_ms DESC, seq DESC LIMIT ?`)
        .all(...params, query.limit) as {
        seq: number;
        received_at: string;
        code: string;
        reason: string;
        token: string | null;
        original: string | null;
        original_base64: string | null;
      }[];
      const total = open.readDb
        .prepare(`SELECT count(*) FROM (SELECT 1 FROM dead_letters WHERE ${where} LIMIT 10001)`)
        .pluck()
        .get(...params) as number;
      return {
        dead_letters: rows.map((r): DeadLetterEntry => {
          const entry: DeadLetterEntry = {
            id: String(r.seq),
            received_at: r.received_at,
            code: r.code,
            reason: r.reason,
            token: r.token,
          };
          if (r.original !== null) entry.original = r.original;
          if (r.original_base64 !== null) entry.original_base64 = r.original_base64;
          return entry;
        }),
        total: total > 10_000 ? { value: 10_000, relation: 'gte' } : { value: total, relation: 'eq' },
      };
    });
  }

  async countDeadLetters(from: Date, to: Date): Promise<Record<string, number>> {
    return this.guard((open) => {
      const rows = open.readDb
        .prepare(`SELECT code, count(*) AS n FROM dead_letters WHERE received_ms BETWEEN ? AND ? GROUP BY code`)
        .all(from.getTime(), to.getTime()) as { code: string; n: number }[];
      return Object.fromEntries(rows.map((r) => [r.code, r.n]));
    });
  }

  /**
   * Deletes whole UTC days older than the policy keeps them, in batches of RETENTION_BATCH rows, each its own
   * request to the writer thread, so writes queued meanwhile go in between and ingest goes on during a large
   * expiry. Days are named like Elasticsearch's daily indices.
   */
  async applyRetention(policy: RetentionPolicy, now: Date): Promise<RetentionOutcome> {
    const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
    const eventCutoff = today - policy.retentionDays * DAY_MS;
    const deadCutoff = today - policy.deadLetterRetentionDays * DAY_MS;
    const days = new Set<string>();
    for (;;) {
      const deleted = await this.guard((open) =>
        open.writer.request('expireEvents', { cutoffMs: eventCutoff, limit: RETENTION_BATCH }),
      );
      for (const ms of deleted) days.add(dailyIndex('logship', new Date(ms).toISOString()));
      if (deleted.length < RETENTION_BATCH) break;
    }
    await this.guard((open) => open.writer.request('expireCounts', { cutoffMs: eventCutoff }));
    const letters = await this.guard((open) => open.writer.request('expireDeadLetters', { cutoffMs: deadCutoff }));
    for (const ms of letters) days.add(deadLetterIndex('logship', new Date(ms).toISOString()));
    return { deleted: [...days].sort() };
  }

  async search(request: SearchRequest): Promise<SearchPage> {
    return this.guard((open) => open.search.search(request));
  }

  /**
   * Reads whole events as they were written (document and id, not hits) with times in [from, to], in key order:
   * time order, events of one millisecond in write order. Keys exceed 2^53, so the cursor is a bigint. Not part of
   * LogStore: only `logship migrate` reads this way, and only the embedded store is a migration source.
   */
  async exportEvents(request: ExportRequest): Promise<ExportPage> {
    return this.guard((open) => {
      const from = clampMs(request.from.getTime());
      const to = clampMs(request.to.getTime());
      const rows = open.search.keyedRows(from, to, request.after, request.limit);
      const last = rows.at(-1);
      return {
        events: rows.map((row) => ({ id: row.id, doc: restoreDocument(row) })),
        next: last && rows.length === request.limit ? keyOf(last.ms, last.n) : null,
      };
    });
  }

  async histogram(request: Read.HistogramRequest): Promise<Read.HistogramBucket[]> {
    return this.guard((open) => open.aggregations.histogram(request));
  }

  async fields(filter: Read.EventFilter): Promise<Read.FieldInfo[]> {
    return this.guard((open) => open.aggregations.fields(filter));
  }

  async topValues(request: Read.TopValuesRequest): Promise<Read.TopValues> {
    return this.guard((open) => open.aggregations.topValues(request));
  }

  async context(request: Read.ContextRequest): Promise<Read.ContextResult | null> {
    return this.guard((open) => open.search.context(request));
  }

  async hosts(now: Date): Promise<Read.HostActivity[]> {
    return this.guard((open) => open.aggregations.hosts(now));
  }

  async recordHeartbeat(heartbeat: Heartbeat, receivedAt: Date): Promise<void> {
    await this.guard((open) =>
      open.writer.request('heartbeat', {
        host: heartbeat.host,
        receivedAt: receivedAt.toISOString(),
        heartbeat: JSON.stringify(heartbeat),
      }),
    );
  }

  async tail(request: Read.TailRequest): Promise<Read.TailEvent[]> {
    return this.guard((open) => open.search.tail(request));
  }

  /** Answers every write posted before, closes both connections and ends the writer thread. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.underway]);
    await this.opening;
    this.dropReader();
    const writer = this.writer;
    this.writer = null;
    // A clean close checkpoints the WAL into the main file, so a copied data folder is complete.
    await writer?.stop();
  }

  /** Forgets the open files; the writer thread closes its connection after what it was asked before. */
  private closeFiles(): void {
    const open = this.dropReader();
    if (!open?.writer.running) return;
    open.writer.request('close', {}).catch((err: unknown) => {
      this.logger.warn({ err }, `The store file ${this.path} could not be closed cleanly.`);
    });
  }

  private dropReader(): Open | null {
    const open = this.open;
    this.open = null;
    open?.readDb.close();
    return open;
  }

  /** Runs `work` on the open store, turning SQLite failures into coded 503s and remembering them for /readyz. */
  private guard<T>(work: (open: Open) => T | Promise<T>): Promise<T> {
    if (this.closed) {
      return Promise.reject(new StoreUnavailableError('The store is closed; the collector is stopping.'));
    }
    const run = this.run(work);
    this.underway.add(run);
    const done = (): void => void this.underway.delete(run);
    run.then(done, done);
    return run;
  }

  private async run<T>(work: (open: Open) => T | Promise<T>): Promise<T> {
    const open = await this.tryOpen();
    if (!open) throw this.problem!;
    try {
      return await work(open);
    } catch (err) {
      throw this.remember(err);
    }
  }

  private remember(err: unknown): unknown {
    const coded = classifyStoreError(err, this.path);
    if (coded instanceof EmbeddedStoreError) {
      if (this.problem?.problem !== coded.problem) this.logger.error({ code: coded.problem }, coded.message);
      if (coded.problem === 'STORE_DISK_FULL') this.freeAtFull = freeBytes(this.options.dir);
      this.problem = coded;
      // Reopened on the next request or probe, once the file was replaced or the folder made writable, or with a
      // new writer thread when the last one died.
      if (coded.problem === 'STORE_CORRUPT' || coded.problem === 'STORE_READ_ONLY' || !this.open?.writer.running) {
        this.closeFiles();
      }
    }
    return coded;
  }

  /** Opens the files when they are not open; after a failure, at most once per REOPEN_AFTER_MS. */
  private tryOpen(force = false): Promise<Open | null> {
    if (this.open) return Promise.resolve(this.open);
    if (this.closed) return Promise.resolve(null);
    // Requests arriving while the file opens wait for that one attempt instead of starting their own.
    if (this.opening) return this.opening;
    const now = Date.now();
    if (!force && this.problem && now - this.lastAttempt < REOPEN_AFTER_MS) return Promise.resolve(null);
    this.lastAttempt = now;
    this.opening = this.openFiles().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async openFiles(): Promise<Open | null> {
    let writer: WriterThread | undefined;
    let readDb: Database.Database | undefined;
    try {
      makeDir(this.options.dir);
      if (!this.writer?.running) this.writer = new WriterThread(this.workerFile);
      await this.writer.request('open', {
        path: this.path,
        lockTimeoutMs: this.options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
      });
      writer = this.writer;
      // The collector stopped while the file opened: close() ends the thread once this attempt is over.
      if (this.closed) return null;
      readDb = new Database(this.path, { readonly: true, fileMustExist: true });
      configureReader(readDb);
      const functions = new QueryFunctions();
      functions.register(readDb);
      this.open = {
        writer,
        readDb,
        search: new EmbeddedSearch(readDb, functions, this.options),
        aggregations: new EmbeddedAggregations(readDb, functions, this.options.searchTimeoutMs),
      };
      if (this.problem) this.logger.info(`The store at ${this.path} works again.`);
      this.problem = null;
      return this.open;
    } catch (err) {
      readDb?.close();
      writer?.request('close', {}).catch(() => undefined);
      let coded = classifyStoreError(err, this.path);
      if (!(coded instanceof EmbeddedStoreError)) {
        const text = (err as Error).message ?? String(err);
        coded = /schema version/.test(text)
          ? new EmbeddedStoreError('STORE_SCHEMA_MISMATCH', text)
          : new EmbeddedStoreError('STORE_IO_ERROR', `The store at ${this.path} cannot be opened: ${text}`);
      }
      const problem = coded as EmbeddedStoreError;
      if (this.problem?.problem !== problem.problem) this.logger.error({ code: problem.problem }, problem.message);
      this.problem = problem;
      return null;
    }
  }
}

/**
 * mkdir -p that names the real cause: Node reports a read-only file system as ENOENT for recursive mkdir, which
 * would hide STORE_READ_ONLY, so the nearest existing folder is asked whether it is writable.
 */
function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    let parent = dir;
    while (!existsSync(parent) && dirname(parent) !== parent) parent = dirname(parent);
    accessSync(parent, constants.W_OK);
    throw err;
  }
}

/** Free bytes on the file system holding `dir`, or null when the platform cannot tell. */
function freeBytes(dir: string): number | null {
  try {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return null;
  }
}
