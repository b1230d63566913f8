/** A piece of pooled memory: `bytes` long, given back with `release` once nothing reads it any more. */
export interface PooledBytes {
  bytes: Buffer;
  /** Gives the memory back for reuse; only once nobody reads it (a second call does nothing). */
  release(): void;
}

/** Sizes are powers of two from this up, so a slightly larger batch still fits a kept buffer. */
const MIN_BYTES = 1 << 16;
/** Larger buffers are not kept: one huge request must not hold its memory for the rest of the process's life. */
const MAX_KEPT_BYTES = 8 << 20;

/**
 * Reused buffers for what a write request holds while it waits for the store (its encoded bulk body, the bytes of its
 * lines). Such a buffer lives long enough to survive into V8's old generation, where a fresh megabyte per request was
 * freed only by the next full collection, which V8 runs after 64 MB more of them: 40-60 MB of dead request buffers
 * in a collector under one shipper's load. Reused, the memory stays at what is in flight at once.
 * At most `keep` free buffers of at most 8 MiB are kept; beyond that, memory is left to the garbage collector.
 */
export class BufferPool {
  /** Free buffers, each a power of two long. */
  private readonly free: Buffer[] = [];

  constructor(private readonly keep: number) {}

  take(length: number): PooledBytes {
    const fits = this.free.findIndex((buffer) => buffer.length >= length);
    const memory = fits >= 0 ? this.free.splice(fits, 1)[0]! : Buffer.allocUnsafeSlow(capacityFor(length));
    let released = false;
    return {
      bytes: memory.subarray(0, length),
      release: () => {
        if (released) return;
        released = true;
        if (memory.length > MAX_KEPT_BYTES) return;
        if (this.free.length < this.keep) this.free.push(memory);
        else {
          // Keep the larger ones: small kept buffers must not make every larger batch allocate afresh.
          const smallest = this.free.reduce((min, b, i) => (b.length < this.free[min]!.length ? i : min), 0);
          if (this.free[smallest]!.length < memory.length) this.free[smallest] = memory;
        }
      },
    };
  }
}

function capacityFor(length: number): number {
  let capacity = MIN_BYTES;
  while (capacity < length) capacity *= 2;
  return capacity;
}
