import { BufferPool } from '../store/buffer-pool.js';
import type { DecodedLine } from './decode-ndjson.js';

/**
 * The lines of a request's events while the store works, for the dead letters of any it refuses. Each event's line
 * text is a slice of the body's one large string, so keeping the texts kept that string (a megabyte per request,
 * straight into V8's large-object space) until the next full collection; an ASCII body (nearly all of them) is kept
 * instead as bytes in pooled memory, with each line's place in it. Release it once the answer is built.
 */
export class LineOriginals {
  private readonly lineNumbers: number[] = [];
  private readonly starts: number[] = [];
  private readonly lengths: number[] = [];
  /** Texts, for a body that is not ASCII (its character offsets are not byte offsets). */
  private readonly texts: string[] | undefined;
  private readonly kept: ReturnType<BufferPool['take']> | undefined;

  constructor(body: Buffer, ascii: boolean, pool: BufferPool) {
    if (ascii) {
      this.kept = pool.take(body.length);
      body.copy(this.kept.bytes);
    } else {
      this.texts = [];
    }
  }

  add(line: DecodedLine): void {
    this.lineNumbers.push(line.line);
    if (this.texts) this.texts.push(line.text);
    else {
      this.starts.push(line.at ?? -1);
      this.lengths.push(line.text.length);
    }
  }

  /** The body's line number of the event added `i`-th. */
  line(i: number): number {
    return this.lineNumbers[i]!;
  }

  /** The line of the event added `i`-th, as it came. */
  original(i: number): string {
    if (this.texts) return this.texts[i]!;
    const start = this.starts[i]!;
    return this.kept!.bytes.toString('latin1', start, start + this.lengths[i]!);
  }

  release(): void {
    this.kept?.release();
  }
}
