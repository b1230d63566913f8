import { gunzipSync } from 'node:zlib';

/** A gzipped form of a batch's bytes, held until released (a pooled buffer). */
export interface GzippedBody {
  readonly body: Buffer;
  release(): void;
}

/**
 * A batch of events as the bytes that go on the wire: NDJSON, one event per line, each line ending in `\n`.
 * Keeping the body as one Buffer (instead of one string per event joined at send time) spares a string per
 * event and a copy of the whole batch. Once gzipped, a batch from the batcher may hold only its gzipped form
 * while it waits for its acknowledgement (about a fourteenth of the size): its NDJSON buffer goes back to the
 * batcher for the next batch, and is gunzipped again only if a failed send must split the batch.
 */
export class NdjsonBatch {
  private lineEnds: readonly number[] | undefined;
  private bytes: Buffer | undefined;
  private held: GzippedBody | undefined;

  /**
   * @param body the NDJSON bytes (events never hold a raw newline: JSON escapes it)
   * @param ends where each line ends in `body` (just past its `\n`), ascending; found from the body when omitted,
   *   only when needed (a failed send), so filling a batch costs nothing per event
   * @param giveBack takes `body` back once the batch no longer needs it (then the batch may hold its gzipped form)
   */
  constructor(
    body: Buffer,
    ends?: readonly number[],
    private giveBack?: () => void,
  ) {
    this.bytes = body;
    this.lineEnds = ends;
  }

  /** The NDJSON bytes (gunzipped again from the held gzipped form when the buffer was given back). */
  get body(): Buffer {
    return (this.bytes ??= gunzipSync(this.held!.body));
  }

  /** The gzipped form this batch holds, if any (sent again as it is when a send is retried). */
  get gzipped(): GzippedBody | undefined {
    return this.held;
  }

  /**
   * Keeps `gzipped` as this batch's form and gives the NDJSON buffer back, when the batch came with a way to give
   * it back; otherwise false (the caller releases `gzipped` itself).
   */
  holdGzipped(gzipped: GzippedBody): boolean {
    if (!this.giveBack || this.held) return false;
    this.held = gzipped;
    this.bytes = undefined;
    this.giveBack();
    this.giveBack = undefined;
    return true;
  }

  /** The batch is done (acknowledged or given up): its buffers go back for reuse. */
  dispose(): void {
    this.held?.release();
    this.held = undefined;
    this.giveBack?.();
    this.giveBack = undefined;
  }

  /** A batch from serialized events (tests, rare paths). */
  static fromLines(lines: readonly string[]): NdjsonBatch {
    const body = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
    const ends: number[] = [];
    let pos = 0;
    for (const l of lines) ends.push((pos += Buffer.byteLength(l) + 1));
    return new NdjsonBatch(body, ends);
  }

  /** Where each line ends in `body`, just past its newline. */
  get ends(): readonly number[] {
    if (this.lineEnds === undefined) {
      const ends: number[] = [];
      for (let nl = this.body.indexOf(0x0a); nl >= 0; nl = this.body.indexOf(0x0a, nl + 1)) ends.push(nl + 1);
      this.lineEnds = ends;
    }
    return this.lineEnds;
  }

  /** Events in the batch. */
  get count(): number {
    return this.ends.length;
  }

  /** Event `i` as a string, without its newline. */
  line(i: number): string {
    const start = i === 0 ? 0 : this.ends[i - 1]!;
    return this.body.toString('utf8', start, this.ends[i]! - 1);
  }

  /** Every event as a string (tests and error paths only: it allocates one string per event). */
  get lines(): string[] {
    return this.ends.map((_, i) => this.line(i));
  }

  /** The first `n` events and the rest, sharing this batch's bytes. */
  splitAt(n: number): [NdjsonBatch, NdjsonBatch] {
    const cut = n === 0 ? 0 : this.ends[n - 1]!;
    return [
      new NdjsonBatch(this.body.subarray(0, cut), this.ends.slice(0, n)),
      new NdjsonBatch(
        this.body.subarray(cut),
        this.ends.slice(n).map((e) => e - cut),
      ),
    ];
  }
}
