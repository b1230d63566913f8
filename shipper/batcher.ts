import { NdjsonBatch } from './ndjson-batch.js';

/** A sealed batch: the NDJSON events plus, per source, the offset just past its last event in the batch. */
export interface Batch<K> {
  readonly body: NdjsonBatch;
  readonly offsets: Map<K, number>;
}

/** The batch being filled: events are copied into `buf` as they come. */
interface OpenBatch<K> {
  buf: Buffer;
  bytes: number;
  events: number;
  offsets: Map<K, number>;
  /** The source of the last event and the offset after it, put into `offsets` when the source changes. */
  lastSource: K | undefined;
  lastOffset: number;
}

/** A producer stalled by backpressure, with a copy of the event it could not add yet. */
interface Waiter<K> {
  event: Buffer;
  source: K;
  nextOffset: number;
  /** Lets the producer go on once its event is in a batch. */
  resolve: () => void;
}

/** A source whose turn it is but that added no event for this long lets the next waiting source go on. */
const TURN_IDLE_MS = 100;

/** Limits of a Batcher (batch.* and max_in_flight of the config). */
export interface BatcherOptions {
  maxEvents: number;
  /** Limit on the uncompressed NDJSON body; one event larger than this still goes out alone. */
  maxBytes: number;
  maxWaitMs: number;
  maxInFlight: number;
  /** How long a source whose turn it is may add nothing before the next waiting source goes on (100 ms). */
  turnIdleMs?: number;
}

/**
 * Collects events into batches (by count, NDJSON bytes or age) and hands each to `dispatch`, keeping at most
 * `maxInFlight` dispatches running. When all slots are busy a sealed batch waits, and every `add` returns a promise
 * that settles once it may go on: readers stall instead of piling events up. Memory is bounded by
 * (maxInFlight + 2) batches, whatever the collector does. Batch buffers (max_bytes each) are reused once their
 * batch was gzipped (it then waits for its acknowledgement in gzipped form) or settled, so steady shipping
 * allocates no new batch memory.
 *
 * Stalled producers (sources) take turns: when a slot frees, the one that waited longest adds its event and may go
 * on filling batches until it stalls again or ends its turn (endTurn(), nothing more to read, or no event for
 * `turnIdleMs`); the others, and sources arriving while they wait, queue behind it. Letting every stalled source
 * add its event at once put one event of each of 100 files into every batch, so every acknowledgement committed
 * 100 registry entries (a third of the shipper's allocations) and the gzip ratio fell with the mixing.
 */
export class Batcher<K> {
  private open: OpenBatch<K> | null = null;
  /** Buffers of settled batches, ready for reuse (at most maxInFlight + 2 exist at a time). */
  private readonly spare: Buffer[] = [];
  private timer: NodeJS.Timeout | null = null;
  private waiting: Batch<K> | null = null;
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;
  private inFlight = 0;
  private closed = false;
  /** Stalled producers in the order they stalled. */
  private readonly waiters: Waiter<K>[] = [];
  /** The source whose turn it is: it adds events even while others wait. */
  private turn: K | undefined;
  /** When the source whose turn it is last added an event. */
  private turnActive = 0;
  /** Ends a turn that stopped adding events (a slow read) while others wait. */
  private turnWatch: NodeJS.Timeout | null = null;
  private readonly turnIdleMs: number;
  private drained: (() => void)[] = [];

  constructor(
    private readonly options: BatcherOptions,
    private readonly dispatch: (batch: Batch<K>) => Promise<void>,
    private readonly onFatal: (err: unknown) => void,
  ) {
    this.turnIdleMs = options.turnIdleMs ?? TURN_IDLE_MS;
  }

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
    const bytes = Buffer.from(json, 'utf8');
    return this.addBytes(bytes, bytes.length, source, nextOffset);
  }

  /**
   * Adds one serialized event given as its first `length` bytes of `event` (without newline); like add(). The
   * bytes are copied before this returns, so the caller may reuse `event` at once.
   */
  addBytes(event: Buffer, length: number, source: K, nextOffset: number): Promise<void> | undefined {
    if (this.closed) return undefined;
    if (this.mustWait(source)) return this.enqueue(event, length, source, nextOffset);
    const bytes = length + 1;
    if (this.open && this.open.bytes + bytes > this.options.maxBytes) {
      const gate = this.sealAndGate();
      if (gate) return this.enqueue(event, length, source, nextOffset);
    }
    const batch = this.open ?? this.openBatch(this.bufferFor(bytes));
    event.copy(batch.buf, batch.bytes, 0, length);
    return this.commitWritten(length, source, nextOffset);
  }

  /**
   * The buffer of the open batch when an event of at most `maxLength` bytes can be written into it right now
   * (at `writePosition`, then committed with commitWritten), so the hot path serializes in place without an
   * intermediate copy. Undefined when the caller must use addBytes (gate closed, others waiting, batch nearly
   * full, huge event).
   */
  reserve(maxLength: number, source: K): Buffer | undefined {
    if (this.closed || this.mustWait(source)) return undefined;
    let batch = this.open;
    if (!batch) {
      if (maxLength + 1 > this.options.maxBytes) return undefined;
      batch = this.openBatch(this.bufferFor(0));
    }
    return batch.bytes + maxLength + 1 <= this.options.maxBytes ? batch.buf : undefined;
  }

  /** Where reserve()'s buffer takes the next event. */
  get writePosition(): number {
    return this.open!.bytes;
  }

  /** Completes an event of `length` bytes written at writePosition after reserve(); like add() otherwise. */
  commitWritten(length: number, source: K, nextOffset: number): Promise<void> | undefined {
    const batch = this.open!;
    batch.buf[batch.bytes + length] = 0x0a;
    batch.bytes += length + 1;
    batch.events++;
    // One map update per run of events from one source, not per event.
    if (source === this.turn) this.turnActive = Date.now();
    if (source !== batch.lastSource) {
      if (batch.lastSource !== undefined) batch.offsets.set(batch.lastSource, batch.lastOffset);
      batch.lastSource = source;
    }
    batch.lastOffset = nextOffset;
    if (batch.events >= this.options.maxEvents || batch.bytes >= this.options.maxBytes) {
      return this.sealAndGate() ?? undefined;
    }
    return undefined;
  }

  private openBatch(buf: Buffer): OpenBatch<K> {
    this.open = { buf, bytes: 0, events: 0, offsets: new Map(), lastSource: undefined, lastOffset: 0 };
    this.timer = setTimeout(() => this.seal(), this.options.maxWaitMs);
    return this.open;
  }

  /** Whether `source` must queue: all slots are busy, or others wait and it is not its turn. */
  private mustWait(source: K): boolean {
    return this.gate !== null || (this.waiters.length > 0 && source !== this.turn);
  }

  /** Queues a stalled producer with a copy of its event (the caller's buffer is reused for the next line). */
  private enqueue(event: Buffer, length: number, source: K, nextOffset: number): Promise<void> {
    const copy = Buffer.from(event.subarray(0, length));
    return new Promise((resolve) => {
      this.waiters.push({ event: copy, source, nextOffset, resolve });
      if (!this.gate && this.turn === undefined) this.giveTurn();
      this.watchTurn();
    });
  }

  /** `source` has nothing more to add for now (its file is read to the end): the next stalled source goes on. */
  endTurn(source: K): void {
    if (source !== this.turn) return;
    this.turn = undefined;
    this.giveTurn();
  }

  /** While sources wait, checks that the source whose turn it is still adds events; ends its turn if not. */
  private watchTurn(): void {
    if (this.turnWatch || this.waiters.length === 0 || this.closed) return;
    this.turnWatch = setTimeout(() => {
      this.turnWatch = null;
      if (!this.gate && this.turn !== undefined && Date.now() - this.turnActive >= this.turnIdleMs) {
        this.endTurn(this.turn);
      }
      this.watchTurn();
    }, this.turnIdleMs);
    this.turnWatch.unref();
  }

  /**
   * Lets the producer that waited longest add its event and go on (its turn), unless the slots are busy again;
   * the next one follows when the current turn is over.
   */
  private giveTurn(): void {
    const next = this.waiters[0];
    if (this.gate || !next || this.closed) return;
    if (this.open && this.open.bytes + next.event.length + 1 > this.options.maxBytes) {
      this.seal();
      if (this.gate) return; // still first in line when a slot frees
    }
    this.waiters.shift();
    this.turn = next.source;
    this.turnActive = Date.now();
    const wait = this.addBytes(next.event, next.event.length, next.source, next.nextOffset);
    if (wait) void wait.then(next.resolve);
    else next.resolve();
  }

  /**
   * Takes back a batch's buffer once nothing reads it (its batch was gzipped, acknowledged or given up). Every
   * buffer is kept: at most maxInFlight + 2 exist at once anyway, and one dropped here became garbage that the next
   * batch replaced at once (39 of them per million lines when acknowledgements came in bursts).
   */
  private reuse(buf: Buffer): void {
    if (buf.length === this.options.maxBytes && this.spare.length < this.options.maxInFlight + 2) this.spare.push(buf);
  }

  /** A buffer for a new batch whose first event has `first` bytes: max_bytes, or larger for one huge event. */
  private bufferFor(first: number): Buffer {
    if (first > this.options.maxBytes) return Buffer.allocUnsafe(first);
    return this.spare.pop() ?? Buffer.allocUnsafe(this.options.maxBytes);
  }

  /** Seals the open batch now instead of waiting for max_wait. */
  flush(): void {
    this.seal();
  }

  /** Stops accepting events, sends the open batch and resolves once every batch has been dispatched and settled. */
  close(): Promise<void> {
    this.closed = true;
    // Queued events are dropped: never committed, they are read again after a restart.
    for (const w of this.waiters.splice(0)) w.resolve();
    if (this.turnWatch) clearTimeout(this.turnWatch);
    this.turnWatch = null;
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
    const open = this.open;
    if (!open) return;
    this.open = null;
    if (open.lastSource !== undefined) open.offsets.set(open.lastSource, open.lastOffset);
    const body = new NdjsonBatch(open.buf.subarray(0, open.bytes), undefined, () => this.reuse(open.buf));
    const batch: Batch<K> = { body, offsets: open.offsets };
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
      () => this.settled(batch),
      (err: unknown) => {
        this.settled(batch);
        this.onFatal(err);
      },
    );
  }

  private settled(batch: Batch<K>): void {
    this.inFlight--;
    // The batch is acknowledged or given up: nothing reads its bytes any more.
    batch.body.dispose();
    const next = this.waiting;
    if (next) {
      this.waiting = null;
      const release = this.openGate;
      this.gate = null;
      this.openGate = null;
      this.start(next);
      release?.();
      this.giveTurn();
    }
    if (this.idle()) for (const resolve of this.drained.splice(0)) resolve();
  }
}
