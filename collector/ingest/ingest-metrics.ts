import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StoredEvent } from '../store/ecs-document.js';
import type { WriteOutcome } from '../store/log-store.js';
import { LabelBudget, OTHER } from '../monitoring/label-budget.js';

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
    const skip = new Set(outcome.failures.map((f) => f.index));
    for (const i of outcome.duplicateIndexes ?? []) skip.add(i);
    const token = this.tokens.label(tokenName ?? '');
    const perHost = new Map<string, { events: number; bytes: number; oldestRead: string | undefined }>();
    sample.hosts.forEach((host, i) => {
      if (skip.has(i)) return;
      let entry = perHost.get(host);
      if (!entry) perHost.set(host, (entry = { events: 0, bytes: 0, oldestRead: undefined }));
      entry.events++;
      entry.bytes += sample.bytes[i]!;
      const read = sample.readAt[i];
      // Shippers send toISOString() times, which order as text: one Date.parse per host instead of one per event.
      if (read !== undefined && (entry.oldestRead === undefined || read < entry.oldestRead)) entry.oldestRead = read;
    });
    const now = Date.now();
    for (const [host, entry] of perHost) {
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

/** What the metrics need of a request's events: taken before the store works, so the documents need not be held. */
export interface StoredSample {
  hosts: string[];
  /** When the shipper read each event's line (`event.created`). */
  readAt: (string | undefined)[];
  /** Each event's bytes as received. */
  bytes: number[];
}

/** The sample of `events`, `bytesOf(i)` being event i's size as received. */
export function sampleStored(events: readonly StoredEvent[], bytesOf: (i: number) => number): StoredSample {
  const sample: StoredSample = { hosts: [], readAt: [], bytes: [] };
  events.forEach((event, i) => addToSample(sample, event, bytesOf(i)));
  return sample;
}

/** Adds the next event, of `bytes` as received, to `sample`. */
export function addToSample(sample: StoredSample, event: StoredEvent, bytes: number): void {
  sample.hosts.push(event.doc.host?.name ?? '');
  sample.readAt.push(event.doc.event.created);
  sample.bytes.push(bytes);
}
