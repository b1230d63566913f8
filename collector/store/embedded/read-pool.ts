import { Worker } from 'node:worker_threads';
import { CodedError } from '../../../protocol/coded-error.js';
import { QueryError, readCancelled, type QueryErrorCode } from '../../query/query-error.js';
import { StoreUnavailableError } from '../store-errors.js';
import {
  unpackPage,
  WINDOW_SCANS,
  type PackedPage,
  type ReadFailure,
  type ReadOp,
  type ReadOps,
  type ReadRequest,
  type ReadResponse,
  type ReadWorkerData,
} from './read-protocol.js';
import { WriterThreadError } from './writer-thread.js';

export interface ReadPoolOptions {
  /** The store file each thread opens read-only. */
  path: string;
  /** Threads that run reads at once. */
  threads: number;
  /** Reads waiting for a thread at most; one more is refused with 429 QUERY_OVERLOADED. */
  maxQueued: number;
  /** From the moment a read is asked for to its answer; then QUERY_TIMEOUT. */
  timeoutMs: number;
  exactTotalUpTo: number;
  /** Heap of one read thread: a read that needs more fails alone instead of taking the collector down. */
  maxHeapMb: number;
}

/** After a cancelled read, the thread gets this long to stop on its own before it is ended. */
const STOP_GRACE_MS = 1000;

interface Job {
  op: ReadOp;
  args: unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout;
  /** Set once answered (by the thread, the deadline or a shutdown): later answers are ignored. */
  settled: boolean;
  /** Stops listening to the asker's signal once answered. */
  forget?: () => void;
}

interface Thread {
  worker: Worker;
  cancel: Int32Array;
  job: Job | null;
  requestId: number;
  /** Ended (or ending) and no longer given work. */
  gone: boolean;
  /** Ended by the pool and counted in `ending` until it exits. */
  ending: boolean;
}

/**
 * The read threads of the embedded store. Each read runs on a thread of its own connection (read-worker.ts), so the
 * main thread only posts it and waits; at the deadline the read is answered QUERY_TIMEOUT at once, the thread is
 * told to stop (its next row throws), and a thread that does not stop within a second is ended and replaced. Ended
 * threads still finishing a statement count against `threads × 2`, so no stream of costly queries can pile up
 * threads; past `maxQueued` waiting reads, more are refused with 429. Reads that scan a whole window (WINDOW_SCANS)
 * get all threads but one, so the next query's search is not queued behind the facets of the last.
 */
export class ReadPool {
  private readonly threads: Thread[] = [];
  private readonly queue: Job[] = [];
  /** Threads ended but not exited yet (a statement that never calls back into JavaScript runs to its end). */
  private ending = 0;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly file: URL,
    private readonly options: ReadPoolOptions,
  ) {}

  /**
   * Runs one read on a thread; rejects with QUERY_TIMEOUT at the deadline, QUERY_OVERLOADED when full. A `signal`
   * in the arguments (the asker went away) is not sent to the thread: once aborted, the read leaves the queue or is
   * stopped like one past its deadline, so the threads go to the reads someone still waits for.
   */
  run<K extends ReadOp>(op: K, args: ReadOps[K]['args']): Promise<ReadOps[K]['result']> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('The collector is stopping.'));
    const { signal, ...sent } = args as { signal?: AbortSignal };
    if (signal?.aborted) return Promise.reject(readCancelled());
    if (this.queue.length >= this.options.maxQueued) {
      return Promise.reject(
        new QueryError('QUERY_OVERLOADED', `${this.options.maxQueued} reads are waiting already; retry shortly.`),
      );
    }
    return new Promise((resolve, reject) => {
      const job: Job = {
        op,
        args: sent,
        resolve: resolve as (value: unknown) => void,
        reject,
        settled: false,
        timer: setTimeout(
          () =>
            this.stop(
              job,
              new QueryError('QUERY_TIMEOUT', `The query did not finish within ${this.options.timeoutMs} ms.`),
            ),
          this.options.timeoutMs,
        ),
      };
      if (signal) {
        const onAbort = () => this.stop(job, readCancelled());
        signal.addEventListener('abort', onAbort, { once: true });
        job.forget = () => signal.removeEventListener('abort', onAbort);
      }
      this.queue.push(job);
      this.dispatch();
    });
  }

  /** Ends every thread and fails every read not answered yet: a shutdown never waits for a read. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) this.settle(job, new StoreUnavailableError('The collector is stopping.'));
    const exits = this.threads.splice(0).map((t) => {
      if (t.job) this.settle(t.job, new StoreUnavailableError('The collector is stopping.'));
      // Stops the running statement at its next row, so the thread can end at once.
      Atomics.store(t.cancel, 0, 1);
      t.gone = true;
      return t.worker.terminate();
    });
    await Promise.allSettled(exits);
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      // Window scans may hold all threads but one (with one thread, that one): the oldest read that may run goes.
      const scans = this.threads.filter((t) => t.job !== null && WINDOW_SCANS.has(t.job.op)).length;
      const scanRoom = scans < Math.max(1, this.options.threads - 1);
      const next = this.queue.findIndex((job) => scanRoom || !WINDOW_SCANS.has(job.op));
      if (next < 0) return;
      const thread = this.threads.find((t) => !t.gone && t.job === null) ?? this.spawn();
      if (!thread) return;
      const job = this.queue.splice(next, 1)[0]!;
      thread.job = job;
      thread.requestId = this.nextId++;
      Atomics.store(thread.cancel, 0, 0);
      thread.worker.ref();
      thread.worker.postMessage({ id: thread.requestId, op: job.op, args: job.args } as ReadRequest);
    }
  }

  /** A new thread when there is room for one; null while the threads (ending ones included) are at their bound. */
  private spawn(): Thread | null {
    const live = this.threads.length;
    if (live >= this.options.threads || live + this.ending >= this.options.threads * 2) return null;
    const cancel = new SharedArrayBuffer(4);
    const data: ReadWorkerData = {
      path: this.options.path,
      searchTimeoutMs: this.options.timeoutMs,
      exactTotalUpTo: this.options.exactTotalUpTo,
      cancel,
    };
    const worker = new Worker(this.file, {
      workerData: data,
      resourceLimits: { maxOldGenerationSizeMb: this.options.maxHeapMb },
    });
    const thread: Thread = {
      worker,
      cancel: new Int32Array(cancel),
      job: null,
      requestId: 0,
      gone: false,
      ending: false,
    };
    worker.unref();
    worker.on('message', (answer: ReadResponse) => this.answer(thread, answer));
    worker.on('error', (err) => this.lost(thread, err));
    worker.on('exit', () => {
      if (thread.ending) this.ending--;
      thread.ending = false;
      this.lost(thread, new Error('The read thread exited.'));
      this.dispatch();
    });
    this.threads.push(thread);
    return thread;
  }

  private answer(thread: Thread, answer: ReadResponse): void {
    if (answer.id !== thread.requestId || !thread.job) return;
    const job = thread.job;
    thread.job = null;
    thread.worker.unref();
    if (answer.ok)
      this.settle(job, undefined, job.op === 'search' ? unpackPage(answer.value as PackedPage) : answer.value);
    else this.settle(job, rebuild(answer.error));
    if (thread.gone) return;
    this.dispatch();
  }

  /** The deadline or the asker gone: the read is answered now with `err`, queued or running; a running one is stopped. */
  private stop(job: Job, err: QueryError): void {
    if (job.settled) return;
    this.settle(job, err);
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      return;
    }
    const thread = this.threads.find((t) => t.job === job);
    if (!thread) return;
    Atomics.store(thread.cancel, 0, 1);
    const id = thread.requestId;
    // Its next row throws QUERY_TIMEOUT and the thread is free again; one stuck in a statement is ended.
    setTimeout(() => {
      if (thread.job === job && thread.requestId === id && !thread.gone) this.end(thread);
    }, STOP_GRACE_MS).unref();
  }

  /** Ends a thread that did not stop; it is replaced at once, within the bound on ending threads. */
  private end(thread: Thread): void {
    thread.gone = true;
    thread.ending = true;
    thread.job = null;
    const i = this.threads.indexOf(thread);
    if (i >= 0) this.threads.splice(i, 1);
    this.ending++;
    void thread.worker.terminate();
    this.dispatch();
  }

  /** A thread that died (out of memory, a crash): its read fails, and the next read gets a new thread. */
  private lost(thread: Thread, err: Error): void {
    const job = thread.job;
    thread.job = null;
    if (!thread.gone) {
      thread.gone = true;
      const i = this.threads.indexOf(thread);
      if (i >= 0) this.threads.splice(i, 1);
    }
    if (!job) return;
    const memory = (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
    this.settle(
      job,
      memory
        ? new QueryError('QUERY_TOO_COMPLEX', 'The query needed more memory than one read may use; ask for fewer hits.')
        : new StoreUnavailableError(`A read thread of the store stopped: ${err.message}`),
    );
    this.dispatch();
  }

  private settle(job: Job, err: unknown, value?: unknown): void {
    if (job.settled) return;
    job.settled = true;
    clearTimeout(job.timer);
    job.forget?.();
    if (err === undefined) job.resolve(value);
    else job.reject(err);
  }
}

/** A failure from a read thread as the error it was there. */
function rebuild(failure: ReadFailure): Error {
  if (failure.status !== undefined && failure.code !== undefined) {
    if (failure.code.startsWith('QUERY_')) {
      const position = failure.details?.position;
      return new QueryError(
        failure.code as QueryErrorCode,
        failure.message,
        typeof position === 'number' ? position : undefined,
      );
    }
    return new CodedError(failure.code, failure.message, failure.status, failure.details ?? {});
  }
  return new WriterThreadError({ message: failure.message, ...(failure.code ? { code: failure.code } : {}) });
}
