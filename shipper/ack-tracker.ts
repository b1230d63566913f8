/**
 * Commits offsets in send order although batches are acknowledged in any order. With max_in_flight > 1 a later
 * batch can succeed while an earlier one is still being retried; committing the later batch's offsets then would
 * make a crash skip the earlier batch's lines. So an acknowledged batch only commits once every batch begun before
 * it is acknowledged too. The queue holds at most the batches in flight.
 */
export class AckTracker<K> {
  private readonly queue: { ticket: number; offsets: ReadonlyMap<K, number>; acked: boolean }[] = [];
  private nextTicket = 0;

  constructor(private readonly onCommit: (key: K, offset: number) => void) {}

  /** Registers a batch in send order with each source's offset just past its last event; returns its ticket. */
  begin(offsets: ReadonlyMap<K, number>): number {
    const ticket = this.nextTicket++;
    this.queue.push({ ticket, offsets, acked: false });
    return ticket;
  }

  /** Marks a batch acknowledged and commits every batch at the head of the queue that is now complete. */
  ack(ticket: number): void {
    const entry = this.queue.find((e) => e.ticket === ticket);
    if (!entry) throw new Error(`AckTracker: unknown or already committed ticket ${ticket}`);
    entry.acked = true;
    while (this.queue[0]?.acked) {
      const head = this.queue.shift()!;
      for (const [key, offset] of head.offsets) this.onCommit(key, offset);
    }
  }

  /** Batches begun but not yet committed. */
  get outstanding(): number {
    return this.queue.length;
  }
}
