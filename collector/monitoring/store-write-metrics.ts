import { Gauge, Histogram, type Registry } from 'prom-client';

/** How many writes a store has waiting and under way now. */
export interface WriteQueue {
  /** Writes waiting for a slot (Elasticsearch: bulk requests past bulk_concurrency; embedded: behind the writer). */
  pending(): number;
  /** Writes under way (Elasticsearch: bulk requests in flight; embedded: 1 while the writer works). */
  active(): number;
}

/**
 * The write path of a store as `/metrics` shows it: one home for these names, which both stores fill in
 * (Elasticsearch per bulk request, the embedded store per write handed to its writer thread).
 */
export class StoreWriteMetrics {
  private readonly bulk: Histogram;

  constructor(registry: Registry, queue: WriteQueue) {
    this.bulk = new Histogram({
      name: 'logship_collector_bulk_seconds',
      help: 'Time of one write to the store: an Elasticsearch bulk request, or an embedded store transaction.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    new Gauge({
      name: 'logship_collector_store_writes_pending',
      help: 'Writes waiting for the store (past elasticsearch.bulk_concurrency; more than bulk_max_queued answer 429).',
      registers: [registry],
      collect() {
        this.set(queue.pending());
      },
    });
    new Gauge({
      name: 'logship_collector_store_writes_active',
      help: 'Writes to the store under way now.',
      registers: [registry],
      collect() {
        this.set(queue.active());
      },
    });
  }

  /** Starts timing one bulk write; call the result when it is done (failed ones count too). */
  startBulk(): () => void {
    const stop = this.bulk.startTimer();
    return () => void stop();
  }
}
