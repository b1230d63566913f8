import { accessSync, constants, existsSync, statfsSync } from 'node:fs';
import { ensurePrivateDir, ensurePrivateFile } from '../../../config/private-files.js';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { StoreWriteMetrics } from '../../monitoring/store-write-metrics.js';
import type { DeadLetterPage } from '../../../protocol/dead-letter.js';
import type { Heartbeat, HostClock } from '../../../protocol/heartbeat.js';
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
import { classifyStoreError, EmbeddedStoreError, type EmbeddedProblemCode } from './embedded-errors.js';
import { deadLetterRows, encodeEvents } from './encoded-events.js';
import { DAY_MS } from './event-key.js';
import { ReadPool } from './read-pool.js';
import { parseEmbeddedVersion } from './embedded-alert-records.js';
import type { AlertRecord, AlertRecordKind } from '../alert-records.js';
import { WriterThread } from './writer-thread.js';
import { workerFile } from './writer-worker-file.js';

export interface EmbeddedStoreOptions {
  /** The folder of the store (`<data_dir>/store`); created when missing. */
  dir: string;
  searchTimeoutMs: number;
  exactTotalUpTo: number;
  /** How long a write waits for a lock held by another process before answering 503 STORE_LOCKED. */
  lockTimeoutMs?: number;
  /** Threads that run reads at once (default 2). */
  readThreads?: number;
  /** Reads waiting for a read thread at most; more are refused with 429 (default 64). */
  maxQueuedReads?: number;
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

/**
 * How long one retention step deletes before it commits and lets waiting writes in: a day of millions of events is
 * expired in many such steps, so ingest and reads of new events wait at most about one step.
 */
const RETENTION_STEP_MS = 100;
/** How long a write waits for a lock another process holds: a held lock soon answers 503 STORE_LOCKED. */
const DEFAULT_LOCK_TIMEOUT_MS = 250;
/** After a full disk, this much must be freed before /readyz reports ready again (a write succeeding also does). */
const FREED_BYTES = 1024 * 1024;
/** After a failed open, the next attempt waits this long (a write or /readyz triggers it). */
const REOPEN_AFTER_MS = 1000;
/** The heap one read thread may use: a read that needs more fails alone (QUERY_TOO_COMPLEX). */
const READ_HEAP_MB = 512;

interface Open {
  /** Holds the only writing connection, on its own thread. */
  writer: WriterThread;
  /** The read threads, each with a read-only connection. */
  reads: ReadPool;
}

/**
 * The embedded implementation of LogStore: one SQLite file in WAL mode, written through one connection on a writer
 * thread (so inserting and fsyncing run beside the parsing of the next requests on the main thread) and read
 * through read-only connections on read threads (read-pool.ts), so searches read a consistent snapshot, never block a
 * write, and a costly one is stopped at its deadline without ever holding up the main thread. A file that
 * cannot be opened or written (locked, damaged, read-only, disk full) leaves the store "unavailable" with a coded
 * problem instead of stopping the collector: writes answer 503 so shippers keep their data, `/readyz` says why, and
 * the store tries again on the next write or probe.
 */
export class EmbeddedStore implements LogStore {
  readonly path: string;
  private readonly writerFile: URL;
  private readonly readerFile: URL;
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
    this.writerFile = workerFile('writer-worker');
    this.readerFile = workerFile('read-worker');
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
    return this.guard((open) => open.reads.run('deadLetters', query));
  }

  async countDeadLetters(from: Date, to: Date): Promise<Record<string, number>> {
    return this.guard((open) => open.reads.run('deadLetterCounts', { fromMs: from.getTime(), toMs: to.getTime() }));
  }

  /**
   * Deletes whole UTC days older than the policy keeps them, in steps of about RETENTION_STEP_MS on the writer
   * thread, each its own request, so writes queued meanwhile go in between and ingest goes on during a large
   * expiry. Days are named like Elasticsearch's daily indices.
   */
  async applyRetention(policy: RetentionPolicy, now: Date): Promise<RetentionOutcome> {
    const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
    const eventCutoff = today - policy.retentionDays * DAY_MS;
    const deadCutoff = today - policy.deadLetterRetentionDays * DAY_MS;
    const days = new Set<string>();
    for (let done = false; !done;) {
      const step = await this.guard((open) =>
        open.writer.request('expire', { cutoffMs: eventCutoff, budgetMs: RETENTION_STEP_MS }),
      );
      for (const ms of step.days) days.add(dailyIndex('logship', new Date(ms).toISOString()));
      done = step.done;
    }
    const letters = await this.guard((open) => open.writer.request('expireDeadLetters', { cutoffMs: deadCutoff }));
    for (const ms of letters) days.add(deadLetterIndex('logship', new Date(ms).toISOString()));
    return { deleted: [...days].sort() };
  }

  async search(request: SearchRequest): Promise<SearchPage> {
    return this.guard((open) => open.reads.run('search', request));
  }

  /**
   * Reads whole events as they were written (document and id, not hits) with times in [from, to], in key order:
   * time order, events of one millisecond in write order. Keys exceed 2^53, so the cursor is a bigint. Not part of
   * LogStore: only `logship migrate` reads this way, and only the embedded store is a migration source.
   */
  async exportEvents(request: ExportRequest): Promise<ExportPage> {
    return this.guard((open) => open.reads.run('exportEvents', request));
  }

  async histogram(request: Read.HistogramRequest): Promise<Read.HistogramBucket[]> {
    return this.guard((open) => open.reads.run('histogram', request));
  }

  async fields(filter: Read.EventFilter): Promise<Read.FieldInfo[]> {
    return this.guard((open) => open.reads.run('fields', filter));
  }

  async topValues(request: Read.TopValuesRequest): Promise<Read.TopValues> {
    return this.guard((open) => open.reads.run('topValues', request));
  }

  async context(request: Read.ContextRequest): Promise<Read.ContextResult | null> {
    return this.guard((open) => open.reads.run('context', request));
  }

  async event(id: string): Promise<StoredEvent | null> {
    return this.guard((open) => open.reads.run('event', { id }));
  }

  async hosts(now: Date): Promise<Read.HostActivity[]> {
    return this.guard((open) => open.reads.run('hosts', { now }));
  }

  async hostClocks(): Promise<Map<string, HostClock>> {
    return this.guard((open) => open.reads.run('hostClocks', {}));
  }

  async recordHeartbeat(heartbeat: Heartbeat, receivedAt: Date, clock: HostClock | null): Promise<void> {
    await this.guard((open) =>
      open.writer.request('heartbeat', {
        host: heartbeat.host,
        receivedAt: receivedAt.toISOString(),
        heartbeat: JSON.stringify(heartbeat),
        clock: clock === null ? null : JSON.stringify(clock),
      }),
    );
  }

  async tail(request: Read.TailRequest): Promise<Read.TailEvent[]> {
    return this.guard((open) => open.reads.run('tail', request));
  }

  async tailCount(request: Read.TailCountRequest): Promise<number> {
    return this.guard((open) => open.reads.run('tailCount', request));
  }

  /** Fails every read under way at once (a shutdown answers them 503 instead of waiting up to the timeout). */
  interruptReads(): void {
    void this.open?.reads.close();
  }

  async listAlertRecords(kind: AlertRecordKind): Promise<AlertRecord[]> {
    return this.guard((open) => open.reads.run('alertRecords', { kind }));
  }

  async getAlertRecord(kind: AlertRecordKind, id: string): Promise<AlertRecord | null> {
    // On the writer thread (embedded-alert-records.ts): the read half of a compare-and-set, the lease's renewal among
    // them, must see the last commit and never wait behind, or be refused by, the searches on the read threads.
    return this.guard((open) => open.writer.request('alertGet', { kind, recordId: id }));
  }

  async putAlertRecord(
    kind: AlertRecordKind,
    id: string,
    body: object,
    expected: string | null,
  ): Promise<string | null> {
    const version = expected === null ? null : parseEmbeddedVersion(expected);
    if (expected !== null && version === null) return null;
    const written = await this.guard((open) =>
      open.writer.request('alertPut', { kind, recordId: id, body: JSON.stringify(body), expected: version }),
    );
    return written === null ? null : String(written);
  }

  async deleteAlertRecord(kind: AlertRecordKind, id: string, expected?: string): Promise<boolean> {
    const version = expected === undefined ? null : parseEmbeddedVersion(expected);
    if (expected !== undefined && version === null) return false;
    return this.guard((open) => open.writer.request('alertDelete', { kind, recordId: id, expected: version }));
  }

  /** Answers every write posted before, closes both connections and ends the writer thread. */
  async close(): Promise<void> {
    this.closed = true;
    // Reads are failed at once; writes under way are let finish (an acknowledged write is never cut off).
    await this.open?.reads.close();
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
    void open?.reads.close();
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
    try {
      makeDir(this.options.dir);
      // SQLite creates the -wal and -shm files with the main file's permissions.
      ensurePrivateFile(this.path);
      for (const side of ['-wal', '-shm']) if (existsSync(this.path + side)) ensurePrivateFile(this.path + side);
      if (!this.writer?.running) this.writer = new WriterThread(this.writerFile);
      await this.writer.request('open', {
        path: this.path,
        lockTimeoutMs: this.options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
      });
      writer = this.writer;
      // The collector stopped while the file opened: close() ends the thread once this attempt is over.
      if (this.closed) return null;
      this.open = {
        writer,
        reads: new ReadPool(this.readerFile, {
          path: this.path,
          threads: this.options.readThreads ?? 2,
          maxQueued: this.options.maxQueuedReads ?? 64,
          timeoutMs: this.options.searchTimeoutMs,
          exactTotalUpTo: this.options.exactTotalUpTo,
          maxHeapMb: READ_HEAP_MB,
        }),
      };
      if (this.problem) this.logger.info(`The store at ${this.path} works again.`);
      this.problem = null;
      return this.open;
    } catch (err) {
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
    // The store folder (and the data folder, when this creates it): owner only, like the file SQLite creates below.
    ensurePrivateDir(dir);
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
