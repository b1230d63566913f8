import { constants, createGzip, type Gzip } from 'node:zlib';
import { BufferPool } from './buffer-pool.js';
import type { GzippedBody } from './ndjson-batch.js';

/** Level 1: most of gzip's gain on repetitive log text at a fraction of the CPU of the default level 6. */
export const GZIP_LEVEL = 1;

/**
 * zlib's output buffer: a batch (1 MiB of NDJSON gzips to about 75 KiB) is compressed in one trip to the thread
 * pool, and one buffer takes the output of several batches before zlib allocates the next.
 */
const OUTPUT_CHUNK_BYTES = 256 * 1024;

/**
 * Gzips batch bodies, one at a time, each as a complete gzip member, through one zlib stream that is reset between
 * them, and copies each result into a pooled buffer. zlib.gzip() per batch set up and freed a 260 KiB deflate state
 * and a new output buffer for every batch; those freed buffers outside the JavaScript heap waited for a garbage
 * collection, which a shipper that allocates little JavaScript memory per line runs rarely, and gzip cost about
 * 20 MB more peak RSS than sending uncompressed.
 */
export class BatchGzip {
  private stream: Gzip | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly bodies: BufferPool;

  /** @param concurrent how many gzipped bodies are held at once at most (one per request in flight) */
  constructor(concurrent: number) {
    this.bodies = new BufferPool(concurrent);
  }

  /** Gzips `data`; compressions queue behind each other (each takes a few milliseconds). */
  gzip(data: Buffer): Promise<GzippedBody> {
    const run = this.queue.then(() => this.compress(data));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Frees the zlib stream once the compressions queued now are done (a later gzip() makes a new one). */
  close(): Promise<void> {
    const done = this.queue.then(() => this.drop());
    this.queue = done;
    return done;
  }

  private drop(): void {
    this.stream?.close();
    this.stream = undefined;
  }

  private compress(data: Buffer): Promise<GzippedBody> {
    const stream = (this.stream ??= createGzip({ level: GZIP_LEVEL, chunkSize: OUTPUT_CHUNK_BYTES }));
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const onData = (chunk: Buffer): void => void chunks.push(chunk);
      const onError = (err: Error): void => {
        stream.off('data', onData);
        // A stream that failed is not reused.
        if (this.stream === stream) this.drop();
        reject(err);
      };
      stream.on('data', onData);
      stream.once('error', onError);
      stream.write(data);
      // Z_FINISH ends this member (its trailer written); reset() then starts the next one with a new header.
      stream.flush(constants.Z_FINISH, (err?: Error | null) => {
        stream.off('data', onData);
        stream.off('error', onError);
        if (err) return onError(err);
        // Node's zlib streams all have reset() (deflateReset for gzip); @types/node declares it for deflate only.
        (stream as Gzip & { reset(): void }).reset();
        let length = 0;
        for (const c of chunks) length += c.length;
        const pooled = this.bodies.take(length);
        let at = 0;
        for (const c of chunks) at += c.copy(pooled, at);
        resolve({ body: pooled.subarray(0, length), release: () => this.bodies.give(pooled) });
      });
    });
  }
}
