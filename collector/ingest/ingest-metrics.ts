import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StoredEvent } from '../store/ecs-document.js';
import type { WriteOutcome } from '../store/log-store.js';
import { LabelBudget, OTHER } from '../monitoring/label-budget.js';
import { runIndexOf } from './event-runs.js';

/** A rejected event as counted: its code. */
interface Rejection {
  code: string;
}

export interface IngestMetricsOptions {
  /** Distinct token/host pairs (and hosts) with series of their own; the rest are counted as host `_other`. */
  maxHostSeries: number;
  /** A host's lag gauge is dropped once nothing of it was stored for this long, so a stale lag never shows as now. */
  lagStaleAfterMs: number;
}

const DEFAULTS: IngestMetricsOptions = { maxHostSeries: 1000, lagStaleAfterMs: 300_000 };

/** Tokens are made by an administrator, so few; the bound only guards against a token file grown by a script. */
const MAX_TOKEN_SERIES = 100;

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
    help: 'Dead letters written, by code (docs/error-codes.md).',
    labelNames: ['code'],
    registers: [this.registry],
  });
  private readonly ingestEvents = new Counter({
    name: 'logship_collector_ingest_events_total',
    help: 'Events stored, by token name and host (hosts past metrics.max_hosts are counted as _other).',
    labelNames: ['token', 'host'],
    registers: [this.registry],
  });
  private readonly ingestBytes = new Counter({
    name: 'logship_collector_ingest_bytes_total',
    help: 'Bytes of the stored events as received (their NDJSON line or _bulk lines), by token name and host.',
    labelNames: ['token', 'host'],
    registers: [this.registry],
  });
  /** From the shipper reading a line to the collector having stored it; Elasticsearch adds up to its refresh (1 s). */
  private readonly lag = new Histogram({
    name: 'logship_collector_ingest_lag_seconds',
    help: 'Per request and host: from the shipper reading its oldest line (read_at) to the events being stored.',
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
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
  /** Coded error answers: 429 and 503 say why the collector pushed back, 401 who tried a bad token. */
  private readonly errorAnswers = new Counter({
    name: 'logship_collector_error_answers_total',
    help: 'Error answers by status and code (docs/error-codes.md): 429 and 503 are push-back, the sender retries.',
    labelNames: ['status', 'code'],
    registers: [this.registry],
  });

  private readonly pairs: LabelBudget;
  private readonly tokens = new LabelBudget(MAX_TOKEN_SERIES);
  private readonly hostLag = new Map<string, { seconds: number; atMs: number }>();
  private readonly options: IngestMetricsOptions;
  /**
   * A host's clock offset (its clock minus the collector's), when measured: `read_at` is on the host's clock, so the
   * lag is taken against it, and a shipper whose clock runs behind does not show a lag it does not have.
   */
  clockOffsetMs: (host: string) => number | undefined = () => undefined;

  constructor(options: Partial<IngestMetricsOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
    this.pairs = new LabelBudget(this.options.maxHostSeries);
    const hostLag = this.hostLag;
    const staleAfterMs = this.options.lagStaleAfterMs;
    new Gauge({
      name: 'logship_collector_host_lag_seconds',
      help: "A host's latest lag on this collector: from its shipper reading the oldest line of a request to storing it.",
      labelNames: ['host'],
      registers: [this.registry],
      collect() {
        this.reset();
        const now = Date.now();
        for (const [host, entry] of hostLag) {
          if (now - entry.atMs > staleAfterMs) hostLag.delete(host);
          else this.set({ host }, entry.seconds);
        }
      },
    });
  }

  /** Counts one request's outcome. */
  counted(accepted: number, duplicates: number, rejected: readonly Rejection[]): void {
    if (accepted) this.accepted.inc(accepted);
    if (duplicates) this.duplicates.inc(duplicates);
    for (const r of rejected) {
      this.rejected.inc({ code: r.code });
      this.deadLetters.inc({ code: r.code });
    }
  }

  /**
   * Counts the events of one request that were stored (not refused, not duplicates) by token and host, with their
   * bytes as received, and notes each host's lag.
   */
  stored(sample: StoredSample, outcome: WriteOutcome, tokenName: string | undefined): void {
    const skipped = outcome.failures.map((f) => f.index);
    if (outcome.duplicateIndexes) skipped.push(...outcome.duplicateIndexes);
    const token = this.tokens.label(tokenName ?? '');
    const now = Date.now();
    for (const [host, entry] of sample.perHost(skipped)) {
      const labels = { token, host: this.pairs.label(`${token}\n${host}`) === OTHER ? OTHER : host };
      this.ingestEvents.inc(labels, entry.events);
      this.ingestBytes.inc(labels, entry.bytes);
      const readMs = entry.oldestRead === undefined ? NaN : Date.parse(entry.oldestRead);
      if (Number.isNaN(readMs) || host === '') continue;
      // An offset not measured, or not quite right, could make a lag negative; it counts as none.
      const seconds = Math.max(0, now - (readMs - (this.clockOffsetMs(host) ?? 0))) / 1000;
      this.lag.observe(seconds);
      if (labels.host !== OTHER) this.hostLag.set(host, { seconds, atMs: now });
    }
  }

  /** Each host's latest lag in seconds, as stored by this collector (stale hosts left out). */
  hostLags(): Map<string, number> {
    const now = Date.now();
    const out = new Map<string, number>();
    for (const [host, entry] of this.hostLag)
      if (now - entry.atMs <= this.options.lagStaleAfterMs) out.set(host, entry.seconds);
    return out;
  }

  /** Counts one coded error answer. */
  answeredError(status: number, code: string): void {
    this.errorAnswers.inc({ status: String(status), code });
  }
}

/** One host's stored events of a request: how many, their bytes as received, the oldest read time among them. */
export interface HostTally {
  events: number;
  bytes: number;
  oldestRead: string | undefined;
}

/** Events that follow each other in a request and came from one host (a shipper's request is one run). */
interface HostRun extends HostTally {
  host: string;
  /** The index of the run's first event. */
  first: number;
}

/**
 * What the metrics need of a request's events, taken as they are made, so neither the documents nor anything per
 * event is held while the store works: runs of events from one host, each with its count, bytes and oldest read time.
 * Three arrays of an entry per event (host, read time, bytes) lived as long as a request waited for Elasticsearch,
 * long enough to reach V8's old generation. An event the store refused, or found already stored, is taken out of its
 * run's count and bytes afterwards (`bytesOf` finds its size again); the run's oldest read time still counts it, as
 * it was read no later than the others.
 */
export class StoredSample {
  private readonly runs: HostRun[] = [];
  private count = 0;

  /** `bytesOf(i)`: event i's size as received, asked only for events taken out. */
  constructor(private readonly bytesOf: (i: number) => number) {}

  /** Adds the next event, of `bytes` as received. */
  add(event: StoredEvent, bytes: number): void {
    const host = event.doc.host?.name ?? '';
    const read = event.doc.event.created;
    let run = this.runs[this.runs.length - 1];
    if (!run || run.host !== host) {
      run = { host, first: this.count, events: 0, bytes: 0, oldestRead: undefined };
      this.runs.push(run);
    }
    run.events++;
    run.bytes += bytes;
    // Shippers send toISOString() times, which order as text: one Date.parse per host instead of one per event.
    if (read !== undefined && (run.oldestRead === undefined || read < run.oldestRead)) run.oldestRead = read;
    this.count++;
  }

  /** Each host's tally without the events at `skipped` (indexes, each at most once); hosts left with none omitted. */
  perHost(skipped: readonly number[]): Map<string, HostTally> {
    const tallies = this.runs.map((run) => ({ ...run }));
    for (const i of skipped) {
      const run = tallies[this.runOf(i)]!;
      run.events--;
      run.bytes -= this.bytesOf(i);
    }
    const out = new Map<string, HostTally>();
    for (const run of tallies) {
      if (run.events === 0) continue;
      const entry = out.get(run.host);
      if (!entry) out.set(run.host, { events: run.events, bytes: run.bytes, oldestRead: run.oldestRead });
      else {
        entry.events += run.events;
        entry.bytes += run.bytes;
        if (run.oldestRead !== undefined && (entry.oldestRead === undefined || run.oldestRead < entry.oldestRead))
          entry.oldestRead = run.oldestRead;
      }
    }
    return out;
  }

  private runOf(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.count)
      throw new RangeError(`No event ${i}: ${this.count} were added.`);
    return runIndexOf(this.runs, i, (run) => run.first);
  }
}

/** The sample of `events`, `bytesOf(i)` being event i's size as received. */
export function sampleStored(events: readonly StoredEvent[], bytesOf: (i: number) => number): StoredSample {
  const sample = new StoredSample(bytesOf);
  events.forEach((event, i) => sample.add(event, bytesOf(i)));
  return sample;
}
