/** Delays kept per host: enough for a steady median, small enough to keep for every host. */
const PER_HOST = 256;
/** Hosts tracked at most; past it the longest-unseen host is forgotten. */
const MAX_HOSTS = 10_000;
/** Events of one ingest request looked at, at most: a sample is enough, and the hot path stays cheap. */
export const PER_REQUEST = 32;

/**
 * The cross-check of a host's clock offset from its own events: how long after the time written in a line the
 * shipper read it (both on the host's clock). With the app and the shipper on one clock that delay is small and
 * positive; a clearly negative median means the lines carry another clock (the app's, a wrong time zone), which the
 * heartbeat's offset does not describe. Kept in memory per collector, from the events it ingests; the heartbeat
 * route stores the summary with the host's estimate, so every collector sees it.
 */
export class LineDelays {
  private readonly hosts = new Map<string, { delays: number[]; next: number }>();

  /** Notes one event's delay (read time minus line time, in ms). */
  record(host: string, delayMs: number): void {
    let entry = this.hosts.get(host);
    if (entry) {
      // Re-inserting keeps the map in least-recently-seen order for eviction.
      this.hosts.delete(host);
    } else {
      entry = { delays: [], next: 0 };
      if (this.hosts.size >= MAX_HOSTS) this.hosts.delete(this.hosts.keys().next().value!);
    }
    this.hosts.set(host, entry);
    if (entry.delays.length < PER_HOST) entry.delays.push(delayMs);
    else entry.delays[entry.next] = delayMs;
    entry.next = (entry.next + 1) % PER_HOST;
  }

  /** The median delay of the host's recent events and how many there were; null median when none. */
  summary(host: string): { medianMs: number | null; events: number } {
    const delays = this.hosts.get(host)?.delays ?? [];
    if (delays.length === 0) return { medianMs: null, events: 0 };
    const sorted = [...delays].sort((a, b) => a - b);
    return { medianMs: sorted[Math.floor(sorted.length / 2)]!, events: sorted.length };
  }
}
