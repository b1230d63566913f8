import { Counter, Histogram, Registry } from 'prom-client';

/** A rejected event as counted: its code. */
interface Rejection {
  code: string;
}

/**
 * The collector's ingest counters (STYLE §9: every rejected event has a counter and a reason). One registry per app,
 * so several collectors in one process (tests) do not collide in prom-client's global registry.
 */
export class IngestMetrics {
  readonly registry = new Registry();
  private readonly accepted = new Counter({
    name: 'logship_collector_events_accepted_total',
    help: 'Events stored.',
    registers: [this.registry],
  });
  private readonly duplicates = new Counter({
    name: 'logship_collector_events_duplicates_total',
    help: 'Events not stored again because their id was already stored.',
    registers: [this.registry],
  });
  private readonly rejected = new Counter({
    name: 'logship_collector_events_rejected_total',
    help: 'Events refused, by code (docs/error-codes.md); each is kept as a dead letter.',
    labelNames: ['code'],
    registers: [this.registry],
  });
  private readonly deadLetters = new Counter({
    name: 'logship_collector_dead_letters_total',
    help: 'Dead letters written.',
    registers: [this.registry],
  });
  /** Time of one store write (a whole request's events, one or more Elasticsearch bulk requests). */
  readonly storeWrite = new Histogram({
    name: 'logship_collector_store_write_seconds',
    help: 'Time to store the events of one ingest or _bulk request.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'logship_collector_request_duration_seconds',
    help: 'HTTP request duration, by route and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /** Counts one request's outcome. */
  counted(accepted: number, duplicates: number, rejected: readonly Rejection[]): void {
    if (accepted) this.accepted.inc(accepted);
    if (duplicates) this.duplicates.inc(duplicates);
    for (const r of rejected) this.rejected.inc({ code: r.code });
    if (rejected.length) this.deadLetters.inc(rejected.length);
  }
}
