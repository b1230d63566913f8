/**
 * A batch of events as the bytes that go on the wire: NDJSON, one event per line, each line ending in `\n`.
 * Keeping the body as one Buffer (instead of one string per event joined at send time) spares a string per
 * event and a copy of the whole batch.
 */
export class NdjsonBatch {
  private lineEnds: readonly number[] | undefined;

  /**
   * @param body the NDJSON bytes (events never hold a raw newline: JSON escapes it)
   * @param ends where each line ends in `body` (just past its `\n`), ascending; found from the body when omitted,
   *   only when needed (a failed send), so filling a batch costs nothing per event
   */
  constructor(
    readonly body: Buffer,
    ends?: readonly number[],
  ) {
    this.lineEnds = ends;
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
