/**
 * A batch of events as the bytes that go on the wire: NDJSON, one event per line, each line ending in `\n`.
 * Keeping the body as one Buffer (instead of one string per event joined at send time) spares a string per
 * event and a copy of the whole batch.
 */
export class NdjsonBatch {
  /**
   * @param body the NDJSON bytes
   * @param ends where each line ends in `body` (just past its `\n`), ascending
   */
  constructor(
    readonly body: Buffer,
    readonly ends: readonly number[],
  ) {}

  /** A batch from serialized events (tests, rare paths). */
  static fromLines(lines: readonly string[]): NdjsonBatch {
    const body = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
    const ends: number[] = [];
    let pos = 0;
    for (const l of lines) ends.push((pos += Buffer.byteLength(l) + 1));
    return new NdjsonBatch(body, ends);
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
