import type { QueryNode } from '../query/ast.js';
import { comparePositions, encodeTailPosition, type ResumePoint } from '../query/tail-position.js';
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

/** A tailed event with what its SSE id carries besides the position: how many events of the overlap span were sent. */
export interface StreamedEvent extends TailEvent {
  span: { fromMs: number; sent: number };
}

/**
 * The polling behind one `/tail` stream. `floor` is where the stream starts: the subscription time, or the position
 * in `Last-Event-ID`, after which delivery resumes with no gap.
 *
 * Each poll reads what lies beyond the greatest position sent (search_after: cheap, usually empty), then counts the
 * matching events of the overlap span; only when the store holds more there than were sent (an event showed up
 * late) is the span read again, skipping ids already sent.
 *
 * A resumed stream (maybe on another collector: the one the client was on died) first reads the overlap span before
 * the resume position. If the store holds no more events there than the client was sent, the client has all of
 * them: they count as sent, and late ones are caught as in a live stream. If it holds more, an event became visible
 * after the client's last one and nobody knows which ones the client has: the span is sent again (clients drop
 * repeats by event id), so no event is ever missed.
 */
export class TailStream {
  /** Ids sent within the overlap, with their ingest time, so a re-read never sends one twice. */
  private readonly sent = new Map<string, number>();
  /** The ingest times in `sent`, ascending: counts the events sent within the overlap without a scan. */
  private readonly sentTimes: number[] = [];
  /** The greatest position sent: every SSE id carries it, so a resume skips all that was sent before. */
  private highWater: TailPosition;
  private floor: TailPosition;
  private resume: ResumePoint | undefined;
  /** Ids remembered by the poll under way, to forget them again if it fails. */
  private added: string[] | undefined;

  constructor(
    private readonly store: LogStore,
    private readonly query: QueryNode,
    floor: TailPosition | ResumePoint,
    private readonly options: TailStreamOptions,
  ) {
    this.floor = { ingestedMs: floor.ingestedMs, id: floor.id };
    this.highWater = this.floor;
    if ('span' in floor) this.resume = floor;
  }

  /** The greatest position sent so far (the subscription time before the first event). */
  get position(): TailPosition {
    return this.highWater;
  }

  /**
   * The SSE id of a fresh stream before its first event: its start, with nothing of the span sent. A client that
   * loses the stream before any event resumes from here, so events stored meanwhile are not lost to a new stream
   * starting at the reconnect.
   */
  get startId(): string {
    return encodeTailPosition(this.floor, { fromMs: this.floor.ingestedMs, sent: 0 });
  }

  /** The events that became visible since the last poll, in ingest order (late ones when they show up). */
  async poll(): Promise<StreamedEvent[]> {
    // A poll that fails half-way (a page read, the next one refused) is undone: the events it had read would
    // otherwise count as sent without ever reaching the client.
    const before = { highWater: this.highWater, floor: this.floor, resume: this.resume };
    const added: string[] = [];
    this.added = added;
    try {
      return await this.pollOnce();
    } catch (err) {
      for (const id of added) {
        const ms = this.sent.get(id)!;
        this.sent.delete(id);
        this.sentTimes.splice(lowerBound(this.sentTimes, ms), 1);
      }
      Object.assign(this, before);
      throw err;
    } finally {
      this.added = undefined;
    }
  }

  private async pollOnce(): Promise<StreamedEvent[]> {
    const out: StreamedEvent[] = [];
    if (this.resume) await this.settleResume(this.resume, out);
    await this.readFrom(this.highWater, out);
    // Events at the floor's own millisecond but not after it in id order were never to be sent: count past them.
    const countFrom = Math.max(
      this.floor.ingestedMs + (this.floor.id === '' ? 0 : 1),
      this.highWater.ingestedMs - this.options.overlapMs,
    );
    if (countFrom <= this.highWater.ingestedMs) {
      const sentInSpan = this.sentSince(countFrom);
      const stored = this.store.tailCount
        ? await this.store.tailCount({ query: this.query, sinceMs: countFrom, untilMs: this.highWater.ingestedMs })
        : Infinity;
      if (stored > sentInSpan) await this.readFrom({ ingestedMs: countFrom, id: '' }, out);
    }
    const oldest = this.highWater.ingestedMs - this.options.overlapMs;
    const drop = lowerBound(this.sentTimes, oldest);
    if (drop > 0) {
      this.sentTimes.splice(0, drop);
      for (const [id, ms] of this.sent) if (ms < oldest) this.sent.delete(id);
    }
    return out;
  }

  /** Reads the overlap span before a resume position: what the client has is taken as sent, or sent again. */
  private async settleResume(resume: ResumePoint, out: StreamedEvent[]): Promise<void> {
    // An id without a span (from before spans were counted) re-checks a whole overlap.
    const spanStart = { ingestedMs: resume.span?.fromMs ?? resume.ingestedMs - this.options.overlapMs, id: '' };
    const span: TailEvent[] = [];
    for (let after = spanStart; ;) {
      const page = await this.store.tail({
        query: this.query,
        sinceMs: after.ingestedMs,
        after,
        limit: this.options.pageSize,
      });
      for (const e of page) if (comparePositions(e.position, resume) <= 0) span.push(e);
      const last = page.at(-1);
      if (page.length < this.options.pageSize || !last || comparePositions(last.position, resume) > 0) break;
      if (comparePositions(last.position, after) <= 0) break;
      after = last.position;
    }
    // Only now: a failed read above leaves the resume to the next poll.
    this.resume = undefined;
    // The client only ever got stored events of the span, so as many stored as it got means the same events.
    const complete = resume.span !== null && span.length <= resume.span.sent;
    for (const e of span) {
      if (this.sent.has(e.hit.id)) continue;
      this.remember(e.hit.id, e.position.ingestedMs);
      if (!complete) out.push({ hit: e.hit, position: this.highWater, span: this.spanCount() });
    }
    // From now on the span counts as delivered: late events in it are found like those of a live stream.
    this.floor = spanStart;
  }

  /** Reads every matching event after `start`, page by page, sending those not sent yet. */
  private async readFrom(start: TailPosition, out: StreamedEvent[]): Promise<void> {
    let after = start;
    for (;;) {
      const page = await this.store.tail({
        query: this.query,
        sinceMs: after.ingestedMs,
        after,
        limit: this.options.pageSize,
      });
      for (const e of page) {
        if (comparePositions(e.position, this.floor) <= 0 || this.sent.has(e.hit.id)) continue;
        this.remember(e.hit.id, e.position.ingestedMs);
        if (comparePositions(e.position, this.highWater) > 0) this.highWater = e.position;
        out.push({ hit: e.hit, position: this.highWater, span: this.spanCount() });
      }
      const last = page.at(-1);
      // A store that ignores `after` would hand the same page back forever: stop when a page makes no progress.
      if (page.length < this.options.pageSize || !last || comparePositions(last.position, after) <= 0) return;
      after = last.position;
    }
  }

  /**
   * The span a resume must re-check and what was sent of it: from the overlap before the high water (or the
   * floor, when the stream began later) to the high water.
   */
  private spanCount(): { fromMs: number; sent: number } {
    const fromMs = Math.max(this.floor.ingestedMs, this.highWater.ingestedMs - this.options.overlapMs);
    return { fromMs, sent: this.sentSince(fromMs) };
  }

  private remember(id: string, ms: number): void {
    this.sent.set(id, ms);
    this.added?.push(id);
    // Mostly appended: events arrive in ingest order, late ones only a little behind.
    let i = this.sentTimes.length;
    while (i > 0 && this.sentTimes[i - 1]! > ms) i--;
    this.sentTimes.splice(i, 0, ms);
  }

  /** Events sent with an ingest time at or after `ms` (up to the high water, past which none was sent). */
  private sentSince(ms: number): number {
    return this.sentTimes.length - lowerBound(this.sentTimes, ms);
  }
}

/** The first index of `sorted` holding a value >= `value`. */
function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Writes one event in SSE framing: the data is the hit as JSON (one line); the id is the stream's high-water
 * position with the count of events sent from the overlap span, so `Last-Event-ID` resumes after everything sent,
 * even an event that became visible late, on any collector.
 */
export function sseEvent(e: StreamedEvent): string {
  return `id: ${sseId(e)}\ndata: ${JSON.stringify(e.hit)}\n\n`;
}

/** The SSE id of a tailed event (see sseEvent). */
export function sseId(e: StreamedEvent): string {
  return encodeTailPosition(e.position, e.span);
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
