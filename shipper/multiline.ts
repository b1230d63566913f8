import type { Line } from './line-reader.js';

const NEWLINE = Buffer.from('\n');

/** Options of a MultilineGrouper (from an input's `multiline` block and its max_line_bytes). */
export interface MultilineOptions {
  start: RegExp;
  maxLines: number;
  /** The grouped message is cut at this many bytes, like a single line, so a runaway record cannot exhaust memory. */
  maxBytes: number;
}

/**
 * Groups physical lines into one event: a line matching `start` begins a new record, other lines continue the
 * current one (a stack trace under its log line). The group keeps the first line's offset, so its id is stable
 * and, since nothing is committed past an unsent group, a restart re-reads and re-groups it identically.
 */
export class MultilineGrouper {
  private parts: string[] = [];
  /** Original bytes per kept part, only filled once a part is invalid UTF-8 (rare, so no cost otherwise). */
  private raws: Buffer[] | undefined;
  private lines = 0;
  private offset = 0;
  private nextOffset = 0;
  private bytes = 0;
  private originalBytes = 0;
  private truncated = false;
  private invalidUtf8 = false;

  constructor(private readonly options: MultilineOptions) {}

  /** True while lines are held waiting for the rest of their record. */
  get pending(): boolean {
    return this.lines > 0;
  }

  /** Adds a line; returns the record it completed, if any. */
  push(line: Line): Line | undefined {
    // A full record is closed when the next line arrives (or by the timeout), so one push yields at most one record.
    const done =
      this.lines > 0 && (this.lines >= this.options.maxLines || this.options.start.test(line.text))
        ? this.flush()
        : undefined;
    this.append(line);
    return done;
  }

  /** Ends the current record (next start line, max_lines or timeout) and returns it. */
  flush(): Line | undefined {
    if (this.lines === 0) return undefined;
    const record: Line = {
      offset: this.offset,
      nextOffset: this.nextOffset,
      text: this.parts.join('\n'),
      originalBytes: this.truncated ? this.originalBytes : undefined,
      invalidUtf8: this.invalidUtf8,
    };
    if (this.raws) record.raw = Buffer.concat(this.raws.flatMap((b, i) => (i === 0 ? [b] : [NEWLINE, b])));
    this.raws = undefined;
    this.parts = [];
    this.lines = 0;
    this.bytes = 0;
    this.originalBytes = 0;
    this.truncated = false;
    this.invalidUtf8 = false;
    return record;
  }

  private append(line: Line): void {
    const first = this.lines === 0;
    this.lines++;
    if (first) this.offset = line.offset;
    this.nextOffset = line.nextOffset;
    const separator = first ? 0 : 1;
    const lineBytes = Buffer.byteLength(line.text);
    this.originalBytes += separator + (line.originalBytes ?? lineBytes);
    if (line.originalBytes !== undefined) this.truncated = true;
    if (line.invalidUtf8) this.invalidUtf8 = true;
    if (first || this.bytes + separator + lineBytes <= this.options.maxBytes) {
      if (line.raw && !this.raws) this.raws = this.parts.map((t) => Buffer.from(t));
      this.raws?.push(line.raw ?? Buffer.from(line.text));
      this.parts.push(line.text);
      this.bytes += separator + lineBytes;
    } else {
      // The line still counts toward max_lines and the offset, but its text is dropped: the record is truncated.
      this.truncated = true;
    }
  }
}
