import { constants, createGzip, type Gzip } from 'node:zlib';
import { BufferPool } from './buffer-pool.js';
import type { GzippedBody } from './ndjson-batch.js';

/** Level 1: most of gzip's gain on repetitive log text at a fraction of the CPU of the default level 6. */
export const GZIP_LEVEL = 1;

/**
 * zlib's output buffer, reused for every batch: a batch (1 MiB of NDJSON gzips to about 75 KiB) is compressed in
 * one trip to the thread pool; a larger output continues in further buffers.
 */
const OUTPUT_CHUNK_BYTES = 256 * 1024;

/**
 * Gzips batch bodies, one at a time, each as a complete gzip member, through one zlib stream that is reset between
 * them and writes every member into the same output buffer, and copies each result into a pooled buffer held while
 * its batch is in flight. zlib.gzip() per batch set up and freed a 260 KiB deflate state and new output buffers for
 * every batch; freed buffers outside the JavaScript heap wait for a garbage collection, which a shipper allocating
 * little JavaScript memory per line runs about once a second, and gzip cost about 20 MB more peak RSS than sending
 * uncompressed. Now it costs about 1 MB.
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
        // The output was copied out: the next member is written over it from the start of the same output buffer.
        // Node's zlib otherwise fills its buffer on and allocates a new one when it is full, and each freed buffer
        // (the size of the gzipped output, 7 MB a second at full speed) stays resident until a garbage collection,
        // which this process runs about once a second: 10 MB of peak RSS. `_outOffset` is Node's own field (the
        // same in every version since 0.x); only set between members, when no write is in progress.
        (stream as unknown as { _outOffset: number })._outOffset = 0;
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
