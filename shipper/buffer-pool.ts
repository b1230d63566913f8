/** Pooled buffers grow in steps of this size, so the sizes of successive requests converge. */
const STEP = 64 * 1024;

/**
 * A few reusable buffers for data that lives as long as a batch in flight (its gzipped body). Buffers outside the
 * JavaScript heap are freed only by a garbage collection, which a shipper allocating little JavaScript memory per
 * line runs rarely: one new buffer per batch piled up as freed-but-resident memory. Pooled buffers are reused.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  /** @param keep how many free buffers are kept (the most that are in use at once) */
  constructor(private readonly keep: number) {}

  /** A buffer of at least `size` bytes, the caller's until it gives it back. */
  take(size: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const length = this.free[i]!.length;
      if (length >= size && (best < 0 || length < this.free[best]!.length)) best = i;
    }
    if (best >= 0) return this.free.splice(best, 1)[0]!;
    return Buffer.allocUnsafe(Math.ceil(size / STEP) * STEP);
  }

  /** Returns a buffer from take(); the smallest is dropped when more than `keep` are free. */
  give(buf: Buffer): void {
    this.free.push(buf);
    if (this.free.length > this.keep) {
      let smallest = 0;
      for (let i = 1; i < this.free.length; i++) if (this.free[i]!.length < this.free[smallest]!.length) smallest = i;
      this.free.splice(smallest, 1);
    }
  }

  /** Buffers kept for reuse now. */
  get size(): number {
    return this.free.length;
  }
}
