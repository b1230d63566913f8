import { Gauge, type Registry } from 'prom-client';
import type { HostClock } from '../../protocol/heartbeat.js';

/**
 * `/metrics` gauges of each host's clock offset and its bound, in seconds, from the heartbeats this collector
 * received. A host whose shipper went silent drops out of the series, so a stale offset is never exported as now.
 */
export class ClockMetrics {
  private readonly latest = new Map<string, { clock: HostClock; atMs: number }>();

  constructor(
    registry: Registry,
    private readonly staleAfterMs: number,
  ) {
    const latest = this.latest;
    const fresh = function* (): Generator<[string, HostClock]> {
      const now = Date.now();
      for (const [host, entry] of latest) {
        if (now - entry.atMs > staleAfterMs) latest.delete(host);
        else yield [host, entry.clock];
      }
    };
    new Gauge({
      name: 'logship_collector_host_clock_offset_seconds',
      help: "A host's clock minus the collector's, measured from its shipper's heartbeats (negative: behind).",
      labelNames: ['host'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [host, clock] of fresh()) this.set({ host }, clock.offset_ms / 1000);
      },
    });
    new Gauge({
      name: 'logship_collector_host_clock_offset_bound_seconds',
      help: 'How far the true offset may be from the measured one (half the best round trip, plus drift).',
      labelNames: ['host'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [host, clock] of fresh()) this.set({ host }, clock.bound_ms / 1000);
      },
    });
  }

  /** The host's latest measured offset (its clock minus the collector's), if it is known and fresh. */
  offsetMs(host: string): number | undefined {
    const entry = this.latest.get(host);
    return entry && Date.now() - entry.atMs <= this.staleAfterMs ? entry.clock.offset_ms : undefined;
  }

  /** Notes a host's latest estimate. */
  observe(host: string, clock: HostClock): void {
    this.latest.set(host, { clock, atMs: Date.now() });
  }
}
