import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { MAX_CLOCK_SAMPLES, type ClockSample, type Heartbeat } from '../protocol/heartbeat.js';
import { AckTracker } from './ack-tracker.js';
import { Batcher, type Batch } from './batcher.js';
import type { InputConfig, ShipperConfig } from './config.js';
import { deliverBatch } from './delivery.js';
import { FileTable } from './file-table.js';
import type { Source } from './harvester.js';
import { ShipperMetrics, type ShipperStats } from './metrics.js';
import { Registry } from './registry.js';
import { Sender } from './sender.js';

/** Tuning knobs that are not part of shipper.yml (tests shorten them). */
export interface ShipperOptions {
  /** Folder rescan and stat poll of open files: the safety net for missed file system events. */
  pollIntervalMs?: number;
  /** How often acknowledged offsets are written to the registry at most. */
  registryFlushMs?: number;
  /** How long stop() waits for pending batches before giving them up (they are re-sent after a restart). */
  stopTimeoutMs?: number;
  /** A file no watched path refers to any more is closed after it has been quiet this long. */
  orphanIdleMs?: number;
  /** Files quiet this long are stat-polled only every `idlePollMs` (file system events still wake them at once). */
  activeWindowMs?: number;
  idlePollMs?: number;
}

/** The logship version for heartbeats: package.json two folders up from dist/shipper, or one up from shipper/. */
function shipperVersion(): string {
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'logship' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return 'unknown';
}

/** The IANA time zone of this machine (`TZ` wins), sent with every event. */
function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export type { ShipperStats } from './metrics.js';

/** Exchanges reported per heartbeat: NTP's clock filter also chooses among the last 8. */
const CLOCK_SAMPLES_KEPT = Math.min(8, MAX_CLOCK_SAMPLES);

/** A running shipper. */
export interface RunningShipper {
  /** Flushes pending batches (bounded), persists the registry, closes watchers, files and connections. */
  stop(): Promise<void>;
  /** The main figures since start (read from the metrics). */
  stats(): Promise<ShipperStats>;
  /** The Prometheus metrics (also served on `metrics.listen` when configured). */
  readonly metrics: ShipperMetrics;
  /** The address the metrics endpoint listens on, when configured. */
  readonly metricsAddress: string | undefined;
}

/** The running pipeline: the file table's harvesters → batcher → sender → ack tracker → registry. */
class ShipperRuntime {
  private readonly abort = new AbortController();
  private stopping = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatUnsupportedLogged = false;
  /** The latest heartbeat exchanges, reported in the next heartbeat so the collector can estimate this clock. */
  private readonly clockSamples: ClockSample[] = [];
  private readonly startedAt = new Date().toISOString();
  private readonly version = shipperVersion();
  readonly metrics: ShipperMetrics;
  private readonly inputNames = new Map<InputConfig, string>();
  metricsServer: Server | undefined;
  private readonly batcher: Batcher<Source>;
  private readonly acks: AckTracker<Source>;
  private readonly files: FileTable;
  private readonly stopTimeoutMs: number;

  constructor(
    private readonly config: ShipperConfig,
    private readonly logger: Logger,
    private readonly registry: Registry,
    private readonly sender: Sender,
    options: ShipperOptions,
  ) {
    this.stopTimeoutMs = options.stopTimeoutMs ?? 8000;
    config.inputs.forEach((input, i) => this.inputNames.set(input, input.service ?? `input-${i}`));
    this.metrics = new ShipperMetrics(
      () => this.files.figures(),
      () => this.files.size,
    );
    this.acks = new AckTracker<Source>((source, offset) => this.commit(source, offset));
    this.batcher = new Batcher<Source>(
      {
        maxEvents: config.batch.max_events,
        maxBytes: config.batch.max_bytes,
        maxWaitMs: config.batch.max_wait,
        maxInFlight: config.max_in_flight,
      },
      (batch) => this.dispatch(batch),
      (err) => this.fatal(err),
    );
    const m = this.metrics;
    this.files = new FileTable(
      {
        config,
        logger,
        registry,
        metrics: m,
        harvesters: {
          host: config.host,
          tz: localTimeZone(),
          registry,
          batcher: this.batcher,
          logger,
          isStopping: () => this.stopping,
          onRead: (input, lines, bytes) => {
            const name = this.inputNames.get(input) ?? 'unknown';
            m.linesRead.inc({ input: name }, lines);
            m.bytesRead.inc({ input: name }, bytes);
          },
          onFlagged: (input, reason) => m.eventsFlagged.inc({ input: this.inputNames.get(input) ?? 'unknown', reason }),
          onTruncation: (reason) => m.truncations.inc({ reason }),
        },
      },
      {
        pollIntervalMs: options.pollIntervalMs ?? 1000,
        orphanIdleMs: options.orphanIdleMs ?? 5000,
        activeWindowMs: options.activeWindowMs ?? 2_000,
        idlePollMs: options.idlePollMs ?? 10_000,
      },
    );
  }

  async start(): Promise<void> {
    await this.files.start();
    if (this.config.metrics) {
      this.metricsServer = await this.metrics.serve(this.config.metrics.listen, this.logger);
    }
    if (this.config.heartbeat_interval > 0) {
      this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.config.heartbeat_interval);
      void this.heartbeat();
    }
  }

  /** Tells the collector this shipper is alive (best effort; a collector without the endpoint is tolerated). */
  private async heartbeat(): Promise<void> {
    if (this.stopping) return;
    const perInput = new Map<InputConfig, number>();
    let lag = 0;
    for (const h of this.files.harvesters()) {
      perInput.set(h.input, (perInput.get(h.input) ?? 0) + 1);
      lag += h.lagBytes;
    }
    const body: Omit<Heartbeat, 'sent_at'> = {
      host: this.config.host,
      version: this.version,
      started_at: this.startedAt,
      interval_s: this.config.heartbeat_interval / 1000,
      inputs: this.config.inputs.map((input) => ({
        paths: [...input.paths],
        ...(input.service === undefined ? {} : { service: input.service }),
        files: perInput.get(input) ?? 0,
      })),
      lag_bytes: lag,
      clock_samples: [...this.clockSamples],
    };
    const { outcome, sample } = await this.sender.sendHeartbeat(body);
    if (sample) {
      this.clockSamples.push(sample);
      if (this.clockSamples.length > CLOCK_SAMPLES_KEPT) this.clockSamples.shift();
    }
    this.metrics.heartbeats.inc({ outcome });
    if (outcome === 'unsupported' && !this.heartbeatUnsupportedLogged) {
      this.heartbeatUnsupportedLogged = true;
      this.logger.debug('The collector has no heartbeat endpoint (older than this shipper); shipping goes on.');
    }
  }

  stats(): Promise<ShipperStats> {
    return this.metrics.stats();
  }

  /** Sends a batch until acknowledged, then lets the ack tracker commit it in send order. */
  private async dispatch(batch: Batch<Source>): Promise<void> {
    const ticket = this.acks.begin(batch.offsets);
    this.metrics.batchesSent.inc();
    const outcome = await deliverBatch(batch.body, {
      send: (b, signal) => this.sender.sendBatch(b, signal),
      logger: this.logger,
      signal: this.abort.signal,
      onRetry: () => this.metrics.retries.inc(),
    });
    // An aborted batch is never acknowledged, so nothing at or after it is committed: it is re-read on restart.
    if (outcome.aborted) return;
    this.metrics.batchesAcked.inc();
    this.metrics.eventsAccepted.inc(outcome.accepted);
    this.metrics.eventsDuplicate.inc(outcome.duplicates);
    if (outcome.rejected) this.metrics.eventsDropped.inc({ reason: 'rejected' }, outcome.rejected);
    if (outcome.dropped) this.metrics.eventsDropped.inc({ reason: 'refused' }, outcome.dropped);
    this.acks.ack(ticket);
  }

  private commit(source: Source, offset: number): void {
    source.committed = offset;
    if (source.retired) return;
    if (source.deleted) {
      this.registry.delete(source.key);
      return;
    }
    const entry = source.harvester.acknowledgedEntry(source, offset);
    if (entry) this.registry.set(entry);
  }

  /** A bug in the pipeline: crash loudly rather than stall silently (the registry keeps what was acknowledged). */
  private fatal(err: unknown): void {
    this.logger.fatal({ err }, 'The shipper hit an unexpected error and stops.');
    process.nextTick(() => {
      throw err;
    });
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.metricsServer) {
      const server = this.metricsServer;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    }
    await this.files.stop();
    const drained = this.batcher.close();
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      drained.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.stopTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (!inTime) {
      this.logger.warn(
        { in_flight: this.batcher.sending },
        'Pending batches were not acknowledged in time; they are sent again after the restart.',
      );
      this.abort.abort();
      await this.sender.close(true).catch(() => undefined);
      await drained;
    }
    await this.files.closeAll();
    this.registry.stopAutoSave();
    await this.registry.save();
    if (inTime) await this.sender.close();
    this.logger.info(await this.stats(), 'The shipper stopped.');
  }
}

/**
 * Starts the shipper: discovery → harvesters (reader, multiline) → batcher → sender → ack tracker → registry.
 * Resolves once the initial scan is done and watchers are set up.
 */
export async function startShipper(
  config: ShipperConfig,
  logger: Logger,
  options: ShipperOptions = {},
): Promise<RunningShipper> {
  const registry = await Registry.open(config.data_dir, logger);
  const sender = new Sender({
    collectors: config.collectors,
    token: config.token,
    tls: config.tls,
    connections: config.max_in_flight,
    compression: config.compression,
  });
  const runtime = new ShipperRuntime(config, logger, registry, sender, options);
  registry.startAutoSave(options.registryFlushMs ?? 1000);
  logger.info(
    {
      host: config.host,
      collectors: config.collectors,
      inputs: config.inputs.length,
      registry: registry.path,
      known_files: registry.size,
    },
    'The shipper is starting.',
  );
  try {
    await runtime.start();
  } catch (err) {
    await runtime.stop().catch(() => undefined);
    throw err;
  }
  const address = runtime.metricsServer?.address();
  return {
    stop: () => runtime.stop(),
    stats: () => runtime.stats(),
    metrics: runtime.metrics,
    metricsAddress: address && typeof address === 'object' ? `${address.address}:${address.port}` : undefined,
  };
}
