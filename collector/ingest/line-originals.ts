import type { BufferPool, PooledBytes } from '../store/buffer-pool.js';
import type { DecodedLine } from './decode-ndjson.js';
import { runIndexOf } from './event-runs.js';

/** Events whose lines follow each other in the body, with nothing between them but their newlines. */
interface Run {
  /** The index of the run's first event. */
  firstEvent: number;
  /** Its line number in the body. */
  firstLine: number;
  events: number;
  /** Where the run's bytes are in the body, then (once kept) in the copy. */
  start: number;
  end: number;
}

/**
 * The lines of a request's events while the store works, for the dead letters of any it refuses. Keeping each line's
 * text, or a number per line to find it again, would keep a request's thousands of strings or array slots alive
 * through the store's answer, long enough to reach V8's old generation (under load, arrays per event were most of
 * what the collector promoted there). Lines are noted instead as runs of events that follow each other in the body
 * (a request of valid events is one run). Only the events' lines count, so a body whose lines were all refused (a
 * 31 MiB line, say) costs nothing here. A line is found again in its run by counting newlines, from where the last
 * one was found: the store reports its refusals in order. Release it once the answer is built.
 *
 * The body the runs point into is either read again when a line is first asked for (`keepRereadable`: a compressed
 * body is inflated again from its compressed bytes, kept meanwhile, about a tenth of its size), or
 * copied by `keep`, runs back to back, into pooled memory. The store refuses an event nearly never, and a copy of
 * every body for that was the second largest thing a request held while it waited (after its encoded bulk), growing
 * with the batch size: 4 × 1.7 MB with a shipper's 5,000-event batches.
 */
export class LineOriginals {
  private readonly runs: Run[] = [];
  private kept: PooledBytes | undefined;
  /** Reads the body again (the runs then keep their places in the body). */
  private again: (() => Buffer) | undefined;
  /** The bytes the runs point into, once a line was asked for. */
  private source: Buffer | undefined;
  private bytes = 0;
  private events = 0;
  /** Where the last line looked up was found: event `cursorEvent` starts at `cursorAt` of the copy. */
  private cursorEvent = -1;
  private cursorAt = 0;

  /** Notes the line of the next event. */
  add(line: DecodedLine): void {
    const run = this.runs[this.runs.length - 1];
    const end = line.at + line.bytes;
    if (run && line.line === run.firstLine + run.events) {
      // The next line of the body: only its newline (and a carriage return) lies between.
      this.bytes += end - run.end;
      run.end = end;
      run.events++;
    } else {
      this.runs.push({ firstEvent: this.events, firstLine: line.line, events: 1, start: line.at, end });
      this.bytes += line.bytes;
    }
    this.events++;
  }

  /** Copies the events' lines out of `body`, which may then be let go of or reused. */
  keep(body: Buffer, pool: BufferPool): void {
    if (this.bytes === 0) return;
    const kept = (this.kept = pool.take(this.bytes));
    let at = 0;
    for (const run of this.runs) {
      const start = at;
      at += body.copy(kept.bytes, at, run.start, run.end);
      run.start = start;
      run.end = at;
    }
  }

  /**
   * Keeps no copy: the first line asked for reads the body again with `again` (which must give the same bytes), and
   * the lines are taken from that.
   */
  keepRereadable(again: () => Buffer): void {
    this.again = again;
  }

  /** The body's line number of the `i`-th event. */
  line(i: number): number {
    const run = this.runOf(i);
    return run.firstLine + (i - run.firstEvent);
  }

  /** The line of the `i`-th event, as it came (every event's line is valid UTF-8: the others were refused). */
  original(i: number): string {
    const run = this.runOf(i);
    const bytes = this.sourceBytes();
    let at = run.start;
    let from = run.firstEvent;
    if (this.cursorEvent >= from && this.cursorEvent <= i) {
      at = this.cursorAt;
      from = this.cursorEvent;
    }
    for (; from < i; from++) at = bytes.indexOf(0x0a, at) + 1;
    this.cursorEvent = i;
    this.cursorAt = at;
    if (i === run.firstEvent + run.events - 1) return bytes.toString('utf8', at, run.end);
    let end = bytes.indexOf(0x0a, at);
    if (bytes[end - 1] === 0x0d) end--;
    return bytes.toString('utf8', at, end);
  }

  release(): void {
    this.kept?.release();
    this.kept = undefined;
    this.again = undefined;
    this.source = undefined;
  }

  private sourceBytes(): Buffer {
    if (this.source) return this.source;
    if (this.kept) return (this.source = this.kept.bytes);
    if (!this.again) throw new Error('The lines were neither kept nor can be read again.');
    return (this.source = this.again());
  }

  private runOf(i: number): Run {
    if (i < 0 || i >= this.events) throw new RangeError(`No event ${i}: ${this.events} were noted.`);
    return this.runs[runIndexOf(this.runs, i, (run) => run.firstEvent)]!;
  }
}
