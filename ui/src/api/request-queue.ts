/**
 * Runs requests a few at a time. The facets of a page ask for up to a dozen aggregations; sent at once they would
 * queue in the store ahead of the next search the user types, which must come first.
 */
export class RequestQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly concurrency: number) {}

  /** Runs `task` when a place is free; an aborted signal drops it from the line without running it. */
  async run<T>(task: () => Promise<T>, signal: AbortSignal): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      if (signal.aborted) throw signal.reason;
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
