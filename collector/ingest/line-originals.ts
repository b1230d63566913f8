import type { BufferPool, PooledBytes } from '../store/buffer-pool.js';
import type { DecodedLine } from './decode-ndjson.js';

/**
 * The lines of a request's events while the store works, for the dead letters of any it refuses. Each event's line
 * text is a slice of the body's one large string, so keeping the texts kept that string (a megabyte per request,
 * straight into V8's large-object space) until the next full collection. From an ASCII body (nearly all of them)
 * the lines are copied instead, back to back, into pooled memory: only the events' lines, so a body whose lines were
 * all refused (a 31 MiB line, say) costs nothing here. Release it once the answer is built.
 */
export class LineOriginals {
  private readonly lineNumbers: number[];
  /** Offsets of each line's end in `kept`; for a body that is not ASCII, its texts instead. */
  private readonly ends: number[] = [];
  private readonly texts: string[] | undefined;
  private readonly kept: PooledBytes | undefined;

  constructor(body: Buffer, ascii: boolean, lines: readonly DecodedLine[], pool: BufferPool) {
    this.lineNumbers = lines.map((line) => line.line);
    if (!ascii || lines.length === 0) {
      this.texts = lines.map((line) => line.text);
      return;
    }
    let bytes = 0;
    for (const line of lines) bytes += line.text.length;
    this.kept = pool.take(bytes);
    let at = 0;
    for (const line of lines) {
      // ASCII: the line's characters are its bytes, at the same offsets.
      const start = line.at ?? 0;
      at += body.copy(this.kept.bytes, at, start, start + line.text.length);
      this.ends.push(at);
    }
  }

  /** The body's line number of the `i`-th event. */
  line(i: number): number {
    return this.lineNumbers[i]!;
  }

  /** The line of the `i`-th event, as it came. */
  original(i: number): string {
    if (this.texts) return this.texts[i]!;
    return this.kept!.bytes.toString('latin1', i === 0 ? 0 : this.ends[i - 1]!, this.ends[i]!);
  }

  release(): void {
    this.kept?.release();
  }
}
