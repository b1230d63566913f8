import { readFileSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { MAX_CLOCK_SAMPLES, type ClockSample, type Heartbeat } from '../protocol/heartbeat.js';
import { AckTracker } from './ack-tracker.js';
import { Batcher, type Batch } from './batcher.js';
import type { InputConfig, ShipperConfig } from './config.js';
import { deliverBatch } from './delivery.js';
import { Discovery } from './discovery.js';
import { Harvester, type HarvesterContext, type Source } from './harvester.js';
import { ShipperMetrics } from './metrics.js';
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

/** Exchanges reported per heartbeat: NTP's clock filter also chooses among the last 8. */
const CLOCK_SAMPLES_KEPT = Math.min(8, MAX_CLOCK_SAMPLES);

/** Counters since start. */
export interface ShipperStats {
  filesOpen: number;
  batchesAcknowledged: number;
  eventsAccepted: number;
  eventsDuplicate: number;
  eventsRejected: number;
  eventsDropped: number;
}

/** A running shipper. */
export interface RunningShipper {
  /** Flushes pending batches (bounded), persists the registry, closes watchers, files and connections. */
  stop(): Promise<void>;
  /** Counters since start. */
  stats(): ShipperStats;
  /** The Prometheus metrics (also served on `metrics.listen` when configured). */
  readonly metrics: ShipperMetrics;
  /** The address the metrics endpoint listens on, when configured. */
  readonly metricsAddress: string | undefined;
}

/**
 * The running pipeline. Files are tracked per open file (dev:ino) rather than per path, so a renamed file keeps
 * its reader and a path that now names another file gets a new one.
 */
class ShipperRuntime {
  private readonly files = new Map<string, Harvester>();
  private readonly paths = new Map<string, string>();
  private readonly checks = new Map<
    string,
    { again: boolean; initial: boolean; input: InputConfig; run: Promise<void> }
  >();
  private readonly abort = new AbortController();
  private readonly counters: Omit<ShipperStats, 'filesOpen'> = {
    batchesAcknowledged: 0,
    eventsAccepted: 0,
    eventsDuplicate: 0,
    eventsRejected: 0,
    eventsDropped: 0,
  };
  private stopping = false;
  private poll: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatUnsupportedLogged = false;
  /** The latest heartbeat exchanges, reported in the next heartbeat so the collector can estimate this clock. */
  private readonly clockSamples: ClockSample[] = [];
  private readonly startedAt = new Date().toISOString();
  private readonly version = shipperVersion();
  private pollTick = 0;
  private readonly activeWindowMs: number;
  private readonly idlePollEvery: number;
  /** When each deleted file held open was first seen deleted. */
  private readonly deletedSince = new Map<Harvester, number>();
  readonly metrics: ShipperMetrics;
  private readonly inputNames = new Map<InputConfig, string>();
  metricsServer: Server | undefined;
  private establishQueue: Promise<void> = Promise.resolve();
  private capWarned = false;
  private opening = 0;
  /** Files not opened yet because of max_open_files; retried by the poll. */
  private readonly deferred = new Map<string, InputConfig>();
  private readonly batcher: Batcher<Source>;
  private readonly acks: AckTracker<Source>;
  private readonly discovery: Discovery;
  private readonly pollIntervalMs: number;
  private readonly orphanIdleMs: number;
  private readonly stopTimeoutMs: number;
  private readonly harvesterContext: HarvesterContext;

  constructor(
    private readonly config: ShipperConfig,
    private readonly logger: Logger,
    private readonly registry: Registry,
    private readonly sender: Sender,
    options: ShipperOptions,
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.orphanIdleMs = options.orphanIdleMs ?? 5000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 8000;
    this.activeWindowMs = options.activeWindowMs ?? 2_000;
    this.idlePollEvery = Math.max(1, Math.round((options.idlePollMs ?? 10_000) / this.pollIntervalMs));
    config.inputs.forEach((input, i) => this.inputNames.set(input, input.service ?? `input-${i}`));
    this.metrics = new ShipperMetrics(
      () =>
        [...this.files.values()].map((h) => ({
          path: h.path,
          lagBytes: h.lagBytes,
          deleted: this.deletedSince.has(h),
        })),
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
    this.discovery = new Discovery(
      config.inputs,
      {
        onFile: (path, input, initial) => this.requestCheck(path, input, initial),
        onGone: (path) => this.goneEvent(path),
      },
      logger,
      config.rescan_interval,
    );
    const m = this.metrics;
    this.harvesterContext = {
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
      harvesters: () => this.files.values(),
      exclusive: (work) => {
        const run = this.establishQueue.then(work, work);
        this.establishQueue = run.then(
          () => undefined,
          () => undefined,
        );
        return run;
      },
    };
  }

  async start(): Promise<void> {
    await this.discovery.start();
    // Wait until every file present at start-up has its start offset (start_at: end is the end *now*).
    await Promise.all([...this.checks.values()].map((c) => c.run));
    this.poll = setInterval(() => this.pollOpenFiles(), this.pollIntervalMs);
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
    for (const h of this.files.values()) {
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

  stats(): ShipperStats {
    return { filesOpen: this.files.size, ...this.counters };
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
    this.counters.batchesAcknowledged++;
    this.counters.eventsAccepted += outcome.accepted;
    this.counters.eventsDuplicate += outcome.duplicates;
    this.counters.eventsRejected += outcome.rejected;
    this.counters.eventsDropped += outcome.dropped;
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
    this.registry.set(source.harvester.entryFor(source, offset));
  }

  /** A bug in the pipeline: crash loudly rather than stall silently (the registry keeps what was acknowledged). */
  private fatal(err: unknown): void {
    this.logger.fatal({ err }, 'The shipper hit an unexpected error and stops.');
    process.nextTick(() => {
      throw err;
    });
  }

  /** Runs checkPath for a path, never twice at once; requests during a run cause one more run. */
  private requestCheck(path: string, input: InputConfig, initial: boolean): void {
    if (this.stopping) return;
    const running = this.checks.get(path);
    if (running) {
      running.again = true;
      return;
    }
    const state = { again: true, initial, input, run: Promise.resolve() };
    // Registered before the run starts: a run that ends at once must still find and remove its own entry.
    this.checks.set(path, state);
    state.run = (async () => {
      try {
        while (state.again && !this.stopping) {
          state.again = false;
          await this.checkPath(path, state.input, state.initial);
        }
      } catch (err) {
        this.logger.warn({ err, path }, 'Checking a file failed; it is checked again at the next rescan.');
      } finally {
        this.checks.delete(path);
      }
    })();
  }

  /** Maps a path to its open file (opening it when new) and reads what was appended. */
  private async checkPath(path: string, input: InputConfig, initial: boolean): Promise<void> {
    let st;
    try {
      st = await stat(path, { bigint: true });
    } catch {
      this.pathGone(path);
      return;
    }
    if (!st.isFile()) return;
    let devIno = `${st.dev}:${st.ino}`;
    const previous = this.paths.get(path);
    if (previous !== undefined && previous !== devIno) this.detach(path, previous);
    let harvester = this.files.get(devIno);
    if (!harvester) {
      if (this.files.size + this.opening >= this.config.max_open_files && !this.closeIdleFile()) {
        if (!this.capWarned) {
          this.capWarned = true;
          this.logger.warn(
            { max_open_files: this.config.max_open_files },
            'Every open file is busy and max_open_files is reached; new files wait until one goes quiet.',
          );
        }
        this.deferred.set(path, input);
        return;
      }
      // Counted from here, so checks running at the same time cannot all pass the max_open_files test.
      this.opening++;
      let fh;
      let fst;
      try {
        fh = await open(path, 'r');
        // The path may have been replaced between stat and open: trust the open file.
        fst = await fh.stat({ bigint: true });
      } finally {
        this.opening--;
      }
      devIno = `${fst.dev}:${fst.ino}`;
      harvester = this.files.get(devIno);
      if (harvester || this.stopping) {
        await fh.close();
        if (!harvester) return;
      } else {
        harvester = new Harvester(this.harvesterContext, fh, path, input, initial);
        this.files.set(devIno, harvester);
        await harvester.prepare();
      }
    }
    if (harvester.path !== path) {
      this.discovery.rescanFolder(dirname(harvester.path));
      this.logger.info({ from: harvester.path, to: path }, 'A file was renamed; reading on under its new name.');
      harvester.path = path;
    }
    harvester.orphan = false;
    this.paths.set(path, devIno);
    harvester.kick();
  }

  /**
   * Closes the file that has been quiet longest among those read to their end with everything acknowledged, to
   * stay under max_open_files. Its place is its registry entry: the next change event reopens it there.
   */
  private closeIdleFile(): boolean {
    let quietest: [string, Harvester] | undefined;
    for (const entry of this.files) {
      const h = entry[1];
      if (h.orphan || !h.idle || !h.acknowledged || !h.current) continue;
      if (!quietest || h.lastActivity < quietest[1].lastActivity) quietest = entry;
    }
    if (!quietest) return false;
    const [devIno, h] = quietest;
    this.files.delete(devIno);
    this.registry.set(h.entryFor(h.current!, h.current!.committed));
    void h.close();
    this.metrics.filesParked.inc();
    return true;
  }

  /** The path now names another file (rename rotation) or nothing: the old file is read to its end, then closed. */
  private detach(path: string, devIno: string): void {
    this.paths.delete(path);
    this.discovery.rescanFolder(dirname(path));
    const old = this.files.get(devIno);
    if (old && old.path === path) {
      old.orphan = true;
      old.kick();
    }
  }

  /**
   * A file system event says a path is gone. Events can arrive out of order with the one for a new file at the
   * same path (rename rotation), so the path is checked again before its file is given up.
   */
  private goneEvent(path: string): void {
    const input = this.discovery.inputFor(path);
    if (input) this.requestCheck(path, input, false);
    else this.pathGone(path);
  }

  private pathGone(path: string): void {
    const devIno = this.paths.get(path);
    if (devIno !== undefined) this.detach(path, devIno);
  }

  /**
   * Stat-polls open files (missed events, renamed files): recently active ones every tick, quiet ones every
   * `idlePollMs`, so thousands of idle files cost next to nothing. Closes rotated files read to their end and
   * deleted ones once their data is acknowledged (or held too long).
   */
  private pollOpenFiles(): void {
    if (this.stopping) return;
    const now = Date.now();
    const sweep = this.pollTick++ % this.idlePollEvery === 0;
    if (this.deferred.size) {
      const retry = [...this.deferred];
      this.deferred.clear();
      for (const [path, input] of retry) this.requestCheck(path, input, false);
    }
    for (const [devIno, h] of this.files) {
      if (h.orphan && h.nlink === 0 && !this.deletedSince.has(h)) this.deletedSince.set(h, now);
      if (h.orphan && h.idle && now - h.lastActivity >= this.orphanIdleMs) {
        const deleted = h.nlink === 0;
        const since = this.deletedSince.get(h);
        // A deleted file's bytes exist only through this handle: keep it until the collector has them.
        const overdue = since !== undefined && now - since >= this.config.deleted_file_hold;
        if (!h.acknowledged && !overdue) continue;
        if (!h.acknowledged) {
          this.metrics.eventsDropped.inc({ reason: 'deleted_file_limit' });
          this.logger.error(
            { path: h.path, lag_bytes: h.lagBytes },
            'A deleted file was held open longer than deleted_file_hold without its data being acknowledged; closing it, its unacknowledged lines are lost if the shipper dies.',
          );
        }
        this.files.delete(devIno);
        this.deletedSince.delete(h);
        if (deleted) h.markDeleted();
        this.logger.info({ path: h.path, deleted }, 'Closing a rotated or deleted file read to its end.');
        void h.close();
        continue;
      }
      if (sweep || h.orphan || now - h.lastActivity < this.activeWindowMs) {
        h.kick();
        if (!h.orphan) void this.verifyPath(h, devIno);
      }
    }
  }

  /**
   * Checks that a file's path still names it. File system events get lost in quick rotations (a rename over an
   * existing name, a new file at the old path within a few milliseconds); a cheap stat finds the new file anyway.
   */
  private async verifyPath(h: Harvester, devIno: string): Promise<void> {
    const path = h.path;
    const st = await stat(path, { bigint: true }).catch(() => undefined);
    if (this.stopping || h.orphan || h.path !== path) return;
    if (st && `${st.dev}:${st.ino}` === devIno) return;
    this.requestCheck(path, h.input, false);
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.poll) clearInterval(this.poll);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.metricsServer) {
      const server = this.metricsServer;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    }
    await this.discovery.close();
    await Promise.all([...this.checks.values()].map((c) => c.run));
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
    await Promise.all([...this.files.values()].map((h) => h.close()));
    this.files.clear();
    this.registry.stopAutoSave();
    await this.registry.save();
    if (inTime) await this.sender.close();
    this.logger.info(this.stats(), 'The shipper stopped.');
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
