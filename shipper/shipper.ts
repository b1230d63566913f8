import { open, stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { AckTracker } from './ack-tracker.js';
import { Batcher, type Batch } from './batcher.js';
import type { InputConfig, ShipperConfig } from './config.js';
import { deliverBatch } from './delivery.js';
import { Discovery } from './discovery.js';
import { Harvester, type HarvesterContext, type Source } from './harvester.js';
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
}

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
        onGone: (path) => this.pathGone(path),
      },
      logger,
      this.pollIntervalMs,
    );
    this.harvesterContext = {
      host: config.host,
      registry,
      batcher: this.batcher,
      logger,
      isStopping: () => this.stopping,
    };
  }

  async start(): Promise<void> {
    await this.discovery.start();
    // Wait until every file present at start-up has its start offset (start_at: end is the end *now*).
    await Promise.all([...this.checks.values()].map((c) => c.run));
    this.poll = setInterval(() => this.pollOpenFiles(), this.pollIntervalMs);
  }

  stats(): ShipperStats {
    return { filesOpen: this.files.size, ...this.counters };
  }

  /** Sends a batch until acknowledged, then lets the ack tracker commit it in send order. */
  private async dispatch(batch: Batch<Source>): Promise<void> {
    const ticket = this.acks.begin(batch.offsets);
    const outcome = await deliverBatch(batch.lines, {
      send: (b, signal) => this.sender.sendBatch(b, signal),
      logger: this.logger,
      signal: this.abort.signal,
    });
    // An aborted batch is never acknowledged, so nothing at or after it is committed: it is re-read on restart.
    if (outcome.aborted) return;
    this.counters.batchesAcknowledged++;
    this.counters.eventsAccepted += outcome.accepted;
    this.counters.eventsDuplicate += outcome.duplicates;
    this.counters.eventsRejected += outcome.rejected;
    this.counters.eventsDropped += outcome.dropped;
    this.acks.ack(ticket);
  }

  private commit(source: Source, offset: number): void {
    if (source.retired) return;
    if (source.deleted) {
      this.registry.delete(source.key);
      return;
    }
    this.registry.set({ ...source.identity, path: source.harvester.path, offset });
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
      const fh = await open(path, 'r');
      // The path may have been replaced between stat and open: trust the open file.
      const fst = await fh.stat({ bigint: true });
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
      this.logger.info({ from: harvester.path, to: path }, 'A file was renamed; reading on under its new name.');
      harvester.path = path;
    }
    harvester.orphan = false;
    this.paths.set(path, devIno);
    harvester.kick();
  }

  /** The path now names another file (rename rotation) or nothing: the old file is read to its end, then closed. */
  private detach(path: string, devIno: string): void {
    this.paths.delete(path);
    const old = this.files.get(devIno);
    if (old && old.path === path) {
      old.orphan = true;
      old.kick();
    }
  }

  private pathGone(path: string): void {
    const devIno = this.paths.get(path);
    if (devIno !== undefined) this.detach(path, devIno);
  }

  /** Stat-polls every open file (missed events, renamed files) and closes orphans that went quiet. */
  private pollOpenFiles(): void {
    if (this.stopping) return;
    const now = Date.now();
    for (const [devIno, h] of this.files) {
      if (h.orphan && h.idle && now - h.lastActivity >= this.orphanIdleMs) {
        this.files.delete(devIno);
        if (h.nlink === 0) h.markDeleted();
        this.logger.info(
          { path: h.path, deleted: h.nlink === 0 },
          'Closing a rotated or deleted file read to its end.',
        );
        void h.close();
        continue;
      }
      h.kick();
    }
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.poll) clearInterval(this.poll);
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
  return { stop: () => runtime.stop(), stats: () => runtime.stats() };
}
