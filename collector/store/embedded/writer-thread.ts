import { Worker } from 'node:worker_threads';
import { EmbeddedStoreError } from './embedded-errors.js';
import type { WriterFailure, WriterOp, WriterOps, WriterRequest, WriterResponse } from './writer-protocol.js';

/** A SQLite failure handed back by the writer thread, with SQLite's code for classifyStoreError. */
export class WriterThreadError extends Error {
  readonly code: string | undefined;
  constructor(failure: WriterFailure) {
    super(failure.message);
    this.code = failure.code;
  }
}

/**
 * The main thread's side of the writer thread (writer-worker.ts): each call posts one request and resolves with
 * its answer. Requests are answered in order. The thread keeps the process alive only while requests are in
 * flight, so an idle store never holds up an exit, and a write posted before `stop()` is answered before the
 * thread ends (so no acknowledged event is lost on shutdown).
 */
export class WriterThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: unknown) => void }>();
  private nextId = 1;
  private ended: Error | null = null;

  /** `file`: the compiled writer-worker.js (writer-worker-file.ts). */
  constructor(file: URL) {
    this.worker = new Worker(file);
    this.worker.unref();
    this.worker.on('message', (answer: WriterResponse) => this.answer(answer));
    this.worker.on('error', (err) => this.end(err));
    this.worker.on('exit', (code) => this.end(new Error(`The writer thread exited with code ${code}.`)));
  }

  /** False once the thread stopped or failed; the store then starts a new one. */
  get running(): boolean {
    return this.ended === null;
  }

  /** Requests posted and not answered yet. */
  get pending(): number {
    return this.waiting.size;
  }

  /** Posts one request; `transfer` lists buffers moved to the thread instead of copied. */
  request<K extends WriterOp>(
    op: K,
    args: WriterOps[K]['args'],
    transfer: ArrayBuffer[] = [],
  ): Promise<WriterOps[K]['result']> {
    if (this.ended) return Promise.reject(this.unavailable(this.ended));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, op, ...args } as WriterRequest, transfer);
    });
  }

  /** Closes the store file after every request posted before, then ends the thread. */
  async stop(): Promise<void> {
    if (this.ended) return;
    try {
      await this.request('close', {});
    } finally {
      this.ended ??= new Error('The writer thread was stopped.');
      await this.worker.terminate();
    }
  }

  private answer(answer: WriterResponse): void {
    const waiter = this.waiting.get(answer.id);
    if (!waiter) return;
    this.waiting.delete(answer.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (answer.ok) waiter.resolve(answer.value);
    else waiter.reject(new WriterThreadError(answer.error));
  }

  /** A thread that died (a crash, a bug) fails what it had not answered: a 503, so senders keep their data. */
  private end(cause: Error): void {
    this.ended ??= cause;
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const waiter of waiting) waiter.reject(this.unavailable(cause));
  }

  private unavailable(cause: Error): EmbeddedStoreError {
    return new EmbeddedStoreError('STORE_IO_ERROR', `The store's writer thread stopped: ${cause.message}`);
  }
}
