import { open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { InputConfig, ShipperConfig } from './config.js';
import { Discovery } from './discovery.js';
import { Harvester, type HarvesterContext } from './harvester.js';
import type { FileFigures, ShipperMetrics } from './metrics.js';
import type { Registry } from './registry.js';

/** Timings of the file table (tests shorten them). */
export interface FileTableOptions {
  /** Folder rescan and stat poll of open files: the safety net for missed file system events. */
  pollIntervalMs: number;
  /** A file no watched path refers to any more is closed after it has been quiet this long. */
  orphanIdleMs: number;
  /** Files quiet this long are stat-polled only every `idlePollMs` (file system events still wake them at once). */
  activeWindowMs: number;
  idlePollMs: number;
}

/** What the file table needs from the shipper. */
export interface FileTableContext {
  config: Pick<ShipperConfig, 'inputs' | 'rescan_interval' | 'max_open_files' | 'deleted_file_hold'>;
  logger: Logger;
  registry: Registry;
  metrics: Pick<ShipperMetrics, 'filesParked' | 'eventsDropped'>;
  /** What every harvester is given; the table adds the open files and the identification queue. */
  harvesters: Omit<HarvesterContext, 'openFiles' | 'exclusive'>;
}

/**
 * The open files (Vector's file server, Promtail's file target): discovery's paths mapped to one harvester per
 * open file (dev:ino) rather than per path, so a renamed file keeps its reader and a path that now names another
 * file gets a new one. Keeps under max_open_files, stat-polls for lost events, and closes rotated and deleted
 * files once they are read to their end (and, for deleted ones, acknowledged).
 */
export class FileTable {
  private readonly files = new Map<string, Harvester>();
  private readonly paths = new Map<string, string>();
  private readonly checks = new Map<
    string,
    { again: boolean; initial: boolean; input: InputConfig; run: Promise<void> }
  >();
  private readonly discovery: Discovery;
  private readonly harvesterContext: HarvesterContext;
  /** When each deleted file held open was first seen deleted. */
  private readonly deletedSince = new Map<Harvester, number>();
  /** Files not opened yet because of max_open_files; retried by the poll. */
  private readonly deferred = new Map<string, InputConfig>();
  private establishQueue: Promise<void> = Promise.resolve();
  private capWarned = false;
  private opening = 0;
  private poll: NodeJS.Timeout | null = null;
  private pollTick = 0;
  private readonly idlePollEvery: number;

  constructor(
    private readonly ctx: FileTableContext,
    private readonly options: FileTableOptions,
  ) {
    this.idlePollEvery = Math.max(1, Math.round(options.idlePollMs / options.pollIntervalMs));
    this.discovery = new Discovery(
      ctx.config.inputs,
      {
        onFile: (path, input, initial) => this.requestCheck(path, input, initial),
        onGone: (path) => this.goneEvent(path),
      },
      ctx.logger,
      ctx.config.rescan_interval,
    );
    this.harvesterContext = {
      ...ctx.harvesters,
      openFiles: () => this.files.values(),
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

  /** Finds the inputs' files and waits until every file present now has its start offset, then polls. */
  async start(): Promise<void> {
    await this.discovery.start();
    // start_at: end is the end *now*, not whenever the first read happens.
    await Promise.all([...this.checks.values()].map((c) => c.run));
    this.poll = setInterval(() => this.pollOpenFiles(), this.options.pollIntervalMs);
  }

  /** Files held open. */
  get size(): number {
    return this.files.size;
  }

  /** Every open file's harvester. */
  harvesters(): IterableIterator<Harvester> {
    return this.files.values();
  }

  /** Per-file figures for the lag and risk gauges. */
  figures(): FileFigures[] {
    return [...this.files.values()].map((h) => ({
      path: h.path,
      lagBytes: h.lagBytes,
      deleted: this.deletedSince.has(h),
    }));
  }

  /** Set by the shipper's stop(): no new checks, polls or reads. */
  private get stopping(): boolean {
    return this.ctx.harvesters.isStopping();
  }

  /** Stops finding and polling files (call once the shipper is stopping); the files stay open until closeAll(). */
  async stop(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    await this.discovery.close();
    await Promise.all([...this.checks.values()].map((c) => c.run));
  }

  /** Closes every file; committed offsets are untouched. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.files.values()].map((h) => h.close()));
    this.files.clear();
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
        this.ctx.logger.warn({ err, path }, 'Checking a file failed; it is checked again at the next rescan.');
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
      if (this.files.size + this.opening >= this.ctx.config.max_open_files && !this.closeIdleFile()) {
        if (!this.capWarned) {
          this.capWarned = true;
          this.ctx.logger.warn(
            { max_open_files: this.ctx.config.max_open_files },
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
      this.ctx.logger.info({ from: harvester.path, to: path }, 'A file was renamed; reading on under its new name.');
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
    this.ctx.registry.set(h.entryFor(h.current!, h.current!.committed));
    void h.close();
    this.ctx.metrics.filesParked.inc();
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
      if (h.orphan && h.idle && now - h.lastActivity >= this.options.orphanIdleMs) {
        const deleted = h.nlink === 0;
        const since = this.deletedSince.get(h);
        // A deleted file's bytes exist only through this handle: keep it until the collector has them.
        const overdue = since !== undefined && now - since >= this.ctx.config.deleted_file_hold;
        if (!h.acknowledged && !overdue) continue;
        if (!h.acknowledged) {
          this.ctx.metrics.eventsDropped.inc({ reason: 'deleted_file_limit' });
          this.ctx.logger.error(
            { path: h.path, lag_bytes: h.lagBytes },
            'A deleted file was held open longer than deleted_file_hold without its data being acknowledged; closing it, its unacknowledged lines are lost if the shipper dies.',
          );
        }
        this.files.delete(devIno);
        this.deletedSince.delete(h);
        if (deleted) h.markDeleted();
        this.ctx.logger.info({ path: h.path, deleted }, 'Closing a rotated or deleted file read to its end.');
        void h.close();
        continue;
      }
      if (sweep || h.orphan || now - h.lastActivity < this.options.activeWindowMs) {
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
}
