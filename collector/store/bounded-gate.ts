import { StoreOverloadedError } from './store-errors.js';

/**
 * Lets at most `concurrency` operations run and `maxQueued` wait; one more is refused at once with 429, so an
 * overloaded collector pushes back on shippers instead of buffering without bound.
 */
export class BoundedGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxQueued: number,
  ) {}

  /** Operations waiting for a slot now. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Operations running now. */
  get active(): number {
    return this.running;
  }

  /** Runs `task` when a slot is free. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxQueued) {
        throw new StoreOverloadedError('The collector is writing as fast as the store allows; retry shortly.');
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter, so `running` never dips and lets a newcomer jump the queue.
      if (next) next();
      else this.running--;
    }
  }
}
