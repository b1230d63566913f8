/** A sealed batch: serialized events plus, per source, the offset just past its last event in the batch. */
export interface Batch<K> {
  readonly lines: string[];
  readonly offsets: Map<K, number>;
  bytes: number;
}

/** Limits of a Batcher (batch.* and max_in_flight of the config). */
export interface BatcherOptions {
  maxEvents: number;
  /** Limit on the uncompressed NDJSON body; one event larger than this still goes out alone. */
  maxBytes: number;
  maxWaitMs: number;
  maxInFlight: number;
}

/**
 * Collects events into batches (by count, NDJSON bytes or age) and hands each to `dispatch`, keeping at most
 * `maxInFlight` dispatches running. When all slots are busy a sealed batch waits, and every `add` returns a promise
 * that settles once it may go on: readers stall instead of piling events up. Memory is bounded by
 * (maxInFlight + 2) batches, whatever the collector does.
 */
export class Batcher<K> {
  private open: Batch<K> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private waiting: Batch<K> | null = null;
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;
  private inFlight = 0;
  private closed = false;
  private drained: (() => void)[] = [];

  constructor(
    private readonly options: BatcherOptions,
    private readonly dispatch: (batch: Batch<K>) => Promise<void>,
    private readonly onFatal: (err: unknown) => void,
  ) {}

  /** Batches being sent right now. */
  get sending(): number {
    return this.inFlight;
  }

  /**
   * Adds one serialized event. Returns undefined when the caller may continue at once, or a promise to await
   * first (backpressure). After close() events are ignored: they were never committed, so they are read again
   * after a restart.
   */
  add(json: string, source: K, nextOffset: number): Promise<void> | undefined {
    if (this.closed) return undefined;
    if (this.gate) return this.gate.then(() => this.add(json, source, nextOffset));
    const bytes = Buffer.byteLength(json) + 1;
    if (this.open && this.open.bytes + bytes > this.options.maxBytes) {
      const gate = this.sealAndGate();
      if (gate) return gate.then(() => this.add(json, source, nextOffset));
    }
    if (!this.open) {
      this.open = { lines: [], offsets: new Map(), bytes: 0 };
      this.timer = setTimeout(() => this.seal(), this.options.maxWaitMs);
    }
    const batch = this.open;
    batch.lines.push(json);
    batch.bytes += bytes;
    batch.offsets.set(source, nextOffset);
    if (batch.lines.length >= this.options.maxEvents || batch.bytes >= this.options.maxBytes) {
      return this.sealAndGate() ?? undefined;
    }
    return undefined;
  }

  /** Seals the open batch now instead of waiting for max_wait. */
  flush(): void {
    this.seal();
  }

  /** Stops accepting events, sends the open batch and resolves once every batch has been dispatched and settled. */
  close(): Promise<void> {
    this.closed = true;
    this.seal();
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  private idle(): boolean {
    return this.inFlight === 0 && this.waiting === null && this.open === null;
  }

  /** Seals the open batch and returns the gate to wait on when it could not be started at once. */
  private sealAndGate(): Promise<void> | null {
    this.seal();
    return this.gate;
  }

  private seal(): void {
    const batch = this.open;
    if (!batch) return;
    this.open = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.inFlight < this.options.maxInFlight) {
      this.start(batch);
      return;
    }
    // Only reachable while no batch is waiting: add() does not fill a batch while the gate is closed.
    this.waiting = batch;
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  private start(batch: Batch<K>): void {
    this.inFlight++;
    this.dispatch(batch).then(
      () => this.settled(),
      (err: unknown) => {
        this.settled();
        this.onFatal(err);
      },
    );
  }

  private settled(): void {
    this.inFlight--;
    const next = this.waiting;
    if (next) {
      this.waiting = null;
      const release = this.openGate;
      this.gate = null;
      this.openGate = null;
      this.start(next);
      release?.();
    }
    if (this.idle()) for (const resolve of this.drained.splice(0)) resolve();
  }
}
