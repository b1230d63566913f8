import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';

/** Per-file figures the lag and risk gauges are computed from at scrape time (no work between scrapes). */
export interface FileFigures {
  path: string;
  lagBytes: number;
  /** The file was deleted but is held open until its data is acknowledged. */
  deleted: boolean;
}

/** The shipper's main figures since start, read from its metrics. */
export interface ShipperStats {
  filesOpen: number;
  batchesAcknowledged: number;
  eventsAccepted: number;
  eventsDuplicate: number;
  /** Refused per event by the collector (kept in its dead-letter store). */
  eventsRejected: number;
  /** Given up on after the collector refused the event alone. */
  eventsDropped: number;
}

/** The sum of a metric's values, or of those whose labels include `labels`. */
async function total(metric: Counter<string> | Gauge, labels: Record<string, string> = {}): Promise<number> {
  let sum = 0;
  for (const v of (await metric.get()).values) {
    if (Object.entries(labels).every(([k, want]) => v.labels[k] === want)) sum += v.value;
  }
  return sum;
}

/**
 * The shipper's Prometheus metrics (`logship_shipper_*`). One registry per shipper, not prom-client's global one,
 * so several shippers in one process (tests) do not clash.
 */
export class ShipperMetrics {
  readonly registry = new Registry();
  readonly linesRead: Counter<'input'>;
  readonly bytesRead: Counter<'input'>;
  readonly batchesSent: Counter;
  readonly batchesAcked: Counter;
  readonly retries: Counter;
  readonly eventsAccepted: Counter;
  readonly eventsDuplicate: Counter;
  readonly eventsFlagged: Counter<'input' | 'reason'>;
  readonly eventsDropped: Counter<'reason'>;
  readonly truncations: Counter<'reason'>;
  readonly heartbeats: Counter<'outcome'>;
  readonly filesParked: Counter;
  readonly filesOpen: Gauge;

  constructor(files: () => Iterable<FileFigures>, openFiles: () => number) {
    const registers = [this.registry];
    this.linesRead = new Counter({
      name: 'logship_shipper_lines_read_total',
      help: 'Lines read from files, per input.',
      labelNames: ['input'],
      registers,
    });
    this.bytesRead = new Counter({
      name: 'logship_shipper_bytes_read_total',
      help: 'Bytes of complete lines read from files, per input.',
      labelNames: ['input'],
      registers,
    });
    this.batchesSent = new Counter({
      name: 'logship_shipper_batches_sent_total',
      help: 'Batches handed to the sender (each counted once, however often it is retried).',
      registers,
    });
    this.batchesAcked = new Counter({
      name: 'logship_shipper_batches_acked_total',
      help: 'Batches the collector acknowledged.',
      registers,
    });
    this.retries = new Counter({
      name: 'logship_shipper_retries_total',
      help: 'Failed sends that were retried.',
      registers,
    });
    this.eventsAccepted = new Counter({
      name: 'logship_shipper_events_accepted_total',
      help: 'Events the collector stored.',
      registers,
    });
    this.eventsDuplicate = new Counter({
      name: 'logship_shipper_events_duplicate_total',
      help: 'Events the collector already had (re-sent after a restart or retry).',
      registers,
    });
    this.eventsFlagged = new Counter({
      name: 'logship_shipper_events_flagged_total',
      help: 'Events shipped with a flag: reason truncated (longer than max_line_bytes) or invalid_utf8.',
      labelNames: ['input', 'reason'],
      registers,
    });
    this.eventsDropped = new Counter({
      name: 'logship_shipper_events_dropped_total',
      help: 'Events not delivered: reason refused (the collector refused the event alone), rejected (kept in its dead-letter store), deleted_file_limit (a deleted file was closed before its data was acknowledged).',
      labelNames: ['reason'],
      registers,
    });
    this.truncations = new Counter({
      name: 'logship_shipper_file_truncations_total',
      help: 'Files found truncated (copytruncate, plain truncation, truncated while stopped).',
      labelNames: ['reason'],
      registers,
    });
    this.heartbeats = new Counter({
      name: 'logship_shipper_heartbeats_total',
      help: 'Heartbeats sent, by outcome (ok, unsupported, failed).',
      labelNames: ['outcome'],
      registers,
    });
    this.filesParked = new Counter({
      name: 'logship_shipper_files_parked_total',
      help: 'Quiet files closed to stay under max_open_files (reopened at their offset on the next change).',
      registers,
    });
    new Gauge({
      name: 'logship_shipper_lag_bytes',
      help: 'Bytes written to a file and not yet acknowledged by a collector.',
      labelNames: ['path'],
      registers,
      collect() {
        this.reset();
        for (const f of files()) this.set({ path: f.path }, f.lagBytes);
      },
    });
    new Gauge({
      name: 'logship_shipper_bytes_at_risk',
      help: 'Unacknowledged bytes of deleted files still held open: lost if the shipper dies now.',
      registers,
      collect() {
        let sum = 0;
        for (const f of files()) if (f.deleted) sum += f.lagBytes;
        this.set(sum);
      },
    });
    this.filesOpen = new Gauge({
      name: 'logship_shipper_files_open',
      help: 'Files held open.',
      registers,
      collect() {
        this.set(openFiles());
      },
    });
  }

  /** The main figures, from the counters above (the one place they are counted). */
  async stats(): Promise<ShipperStats> {
    return {
      filesOpen: await total(this.filesOpen),
      batchesAcknowledged: await total(this.batchesAcked),
      eventsAccepted: await total(this.eventsAccepted),
      eventsDuplicate: await total(this.eventsDuplicate),
      eventsRejected: await total(this.eventsDropped, { reason: 'rejected' }),
      eventsDropped: await total(this.eventsDropped, { reason: 'refused' }),
    };
  }

  /** Serves GET /metrics on `listen` (host:port); resolves once listening. */
  async serve(listen: string, logger: Logger): Promise<Server> {
    const at = listen.lastIndexOf(':');
    const host = listen.slice(0, at) || '127.0.0.1';
    const port = Number(listen.slice(at + 1));
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url !== '/metrics' && req.url !== '/')) {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (err: unknown) => {
          logger.warn({ err }, 'Collecting metrics failed.');
          res.writeHead(500).end();
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host.replace(/^\[|\]$/g, ''), () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server;
  }
}
