import type { BufferPool, PooledBytes } from '../store/buffer-pool.js';
import type { DecodedLine } from './decode-ndjson.js';

/**
 * The lines of a request's events while the store works, for the dead letters of any it refuses. Keeping each line's
 * text would keep a request's thousands of strings alive through the store's answer, long enough to reach V8's old
 * generation; an ASCII line (nearly all of them) is instead noted by where it is in the body as it is added, and
 * `keep` copies those lines, back to back, into pooled memory. Only the events' lines are kept, so a body whose
 * lines were all refused (a 31 MiB line, say) costs nothing here. Release it once the answer is built.
 */
export class LineOriginals {
  private readonly lineNumbers: number[] = [];
  /** Each ASCII line's start in the body; -1 for a line kept as text. */
  private readonly starts: number[] = [];
  /** Each line's end in `kept` (that of the line before for a line kept as text), once kept. */
  private readonly ends: number[] = [];
  /** The lines that are not ASCII, by event index. */
  private readonly texts = new Map<number, string>();
  private kept: PooledBytes | undefined;
  private bytes = 0;

  /** Notes the line of the next event. */
  add(line: DecodedLine): void {
    const i = this.lineNumbers.push(line.line) - 1;
    // As many characters as bytes: every character is ASCII, and the bytes at `at` are the text.
    if (line.text.length === line.bytes) {
      this.starts.push(line.at);
      this.bytes += line.bytes;
    } else {
      this.starts.push(-1);
      this.texts.set(i, line.text);
    }
    this.ends.push(line.bytes);
  }

  /** Copies the ASCII lines out of `body`, which may then be let go of or reused. */
  keep(body: Buffer, pool: BufferPool): void {
    if (this.bytes === 0) return;
    const kept = (this.kept = pool.take(this.bytes));
    let at = 0;
    this.starts.forEach((start, i) => {
      if (start >= 0) at += body.copy(kept.bytes, at, start, start + this.ends[i]!);
      this.ends[i] = at;
    });
  }

  /** The body's line number of the `i`-th event. */
  line(i: number): number {
    return this.lineNumbers[i]!;
  }

  /** The line of the `i`-th event, as it came. */
  original(i: number): string {
    const text = this.texts.get(i);
    if (text !== undefined) return text;
    return this.kept!.bytes.toString('latin1', i === 0 ? 0 : this.ends[i - 1]!, this.ends[i]!);
  }

  release(): void {
    this.kept?.release();
  }
}
