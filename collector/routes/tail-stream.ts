import type { QueryNode } from '../query/ast.js';
import { comparePositions, encodeTailPosition } from '../query/tail-position.js';
import type { LogStore } from '../store/log-store.js';
import type { TailEvent, TailPosition } from '../store/read-model.js';

export interface TailStreamOptions {
  pollMs: number;
  /**
   * How far back each poll checks for late events. An event is stamped `event.ingested` before its bulk write
   * finishes and the index refreshes, so it can become visible after events stamped later; a slower bulk request
   * than this could still slip past a live stream.
   */
  overlapMs: number;
  pageSize: number;
}

export const TAIL_DEFAULTS: TailStreamOptions = { pollMs: 500, overlapMs: 10_000, pageSize: 2000 };

/**
 * The polling behind one `/tail` stream. `floor` is where the stream starts: the subscription time, or the position
 * in `Last-Event-ID`, after which delivery resumes with no gap and no repeat.
 *
 * Each poll reads what lies beyond the greatest position sent (search_after: cheap, usually empty), then counts the
 * matching events of the overlap span; only when the store holds more there than were sent (an event showed up
 * late) is the span read again, skipping ids already sent.
 */
export class TailStream {
  /** Ids sent within the overlap, with their ingest time, so a re-read never sends one twice. */
  private readonly sent = new Map<string, number>();
  /** The greatest position sent: every SSE id carries it, so a resume skips all that was sent before. */
  private highWater: TailPosition;

  constructor(
    private readonly store: LogStore,
    private readonly query: QueryNode,
    private readonly floor: TailPosition,
    private readonly options: TailStreamOptions,
  ) {
    this.highWater = floor;
  }

  /** The greatest position sent so far (the subscription time before the first event). */
  get position(): TailPosition {
    return this.highWater;
  }

  /**
   * Hands `deliver` the events that became visible since the last poll, in ingest order (late ones when they show
   * up), one page at a time: a request that stored 20,000 events is sent page by page between reads, so rendering
   * them never holds the collector's thread for the whole batch. Resolves with how many were delivered.
   */
  async poll(deliver: (page: TailEvent[]) => void): Promise<number> {
    let delivered = 0;
    const out = (page: TailEvent[]) => {
      delivered += page.length;
      if (page.length > 0) deliver(page);
    };
    await this.readFrom(this.highWater, out);
    // Events at the floor's own millisecond but not after it in id order were never to be sent: count past them.
    const countFrom = Math.max(
      this.floor.ingestedMs + (this.floor.id === '' ? 0 : 1),
      this.highWater.ingestedMs - this.options.overlapMs,
    );
    if (countFrom <= this.highWater.ingestedMs) {
      let sentInSpan = 0;
      for (const ms of this.sent.values()) if (ms >= countFrom && ms <= this.highWater.ingestedMs) sentInSpan++;
      const stored = this.store.tailCount
        ? await this.store.tailCount({ query: this.query, sinceMs: countFrom, untilMs: this.highWater.ingestedMs })
        : Infinity;
      if (stored > sentInSpan) await this.readFrom({ ingestedMs: countFrom, id: '' }, out);
    }
    const oldest = this.highWater.ingestedMs - this.options.overlapMs;
    for (const [id, ms] of this.sent) if (ms < oldest) this.sent.delete(id);
    return delivered;
  }

  /** Reads every matching event after `start`, page by page, handing `out` those not sent yet. */
  private async readFrom(start: TailPosition, out: (page: TailEvent[]) => void): Promise<void> {
    let after = start;
    for (;;) {
      const page = await this.store.tail({
        query: this.query,
        sinceMs: after.ingestedMs,
        after,
        limit: this.options.pageSize,
      });
      const fresh: TailEvent[] = [];
      for (const e of page) {
        if (comparePositions(e.position, this.floor) <= 0 || this.sent.has(e.hit.id)) continue;
        this.sent.set(e.hit.id, e.position.ingestedMs);
        if (comparePositions(e.position, this.highWater) > 0) this.highWater = e.position;
        fresh.push({ hit: e.hit, position: this.highWater });
      }
      out(fresh);
      const last = page.at(-1);
      // A store that ignores `after` would hand the same page back forever: stop when a page makes no progress.
      if (page.length < this.options.pageSize || !last || comparePositions(last.position, after) <= 0) return;
      after = last.position;
    }
  }
}

/**
 * Writes one event in SSE framing: the data is the hit as JSON (one line); the id is the stream's high-water
 * position, so `Last-Event-ID` resumes after everything sent, even an event that became visible late.
 */
export function sseEvent(e: TailEvent): string {
  return `id: ${encodeTailPosition(e.position)}\ndata: ${JSON.stringify(e.hit)}\n\n`;
}

/** Waits, or stops waiting early when the stream is closed. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
