import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import picomatch from 'picomatch';
import type { Logger } from 'pino';
import type { InputConfig } from './config.js';

/** A folder to watch and how deep below it a pattern can match (Infinity for `**`). */
export interface WatchRoot {
  base: string;
  depth: number;
}

/**
 * The static folder a glob starts in and how many folder levels below it can match. chokidar >= 4 has no glob
 * support, so the shipper watches these folders and filters paths itself; bounding the depth keeps a `*.log` in
 * /var/log from watching every folder below it.
 */
export function watchRootOf(pattern: string): WatchRoot {
  const scan = picomatch.scan(pattern);
  if (!scan.isGlob) return { base: dirname(pattern), depth: 0 };
  const glob = scan.glob;
  // Braces may hide slashes ({a,b/c}); be safe and do not bound them.
  const depth = glob.includes('**') || glob.includes('{') ? Infinity : glob.split('/').length - 1;
  return { base: scan.base || '/', depth };
}

/** Callbacks of Discovery. */
export interface DiscoveryHandlers {
  /** A matching file was added, changed or seen by a rescan; `initial` marks files present at start-up. */
  onFile(path: string, input: InputConfig, initial: boolean): void;
  /** A previously matching path is gone (deleted or renamed away). */
  onGone(path: string): void;
}

interface CompiledInput {
  input: InputConfig;
  matches: (path: string) => boolean;
  excluded: (path: string) => boolean;
}

/**
 * Finds the files of every input: one walk at start-up, then chokidar on the static base folder of each glob.
 * A slow safety-net rescan (`rescan_interval`, default 60 s, 0 = off) catches events lost to an overflowing
 * inotify queue or a network file system; it is not the primary mechanism, so thousands of idle files cost no CPU.
 */
export class Discovery {
  private readonly compiled: CompiledInput[];
  private readonly roots: WatchRoot[];
  private readonly watchers: FSWatcher[] = [];
  private known = new Set<string>();
  private readonly folderScans = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private scanning = false;
  private closed = false;

  constructor(
    inputs: readonly InputConfig[],
    private readonly handlers: DiscoveryHandlers,
    private readonly logger: Logger,
    private readonly rescanIntervalMs = 60_000,
  ) {
    this.compiled = inputs.map((input) => {
      const matches = picomatch([...input.paths]);
      // Patterns without a slash (`*.gz`) match the file name, as users expect from an exclude list.
      const excluded = input.exclude.length ? picomatch([...input.exclude], { basename: true }) : () => false;
      return { input, matches, excluded };
    });
    const byBase = new Map<string, number>();
    for (const input of inputs) {
      for (const pattern of input.paths) {
        const root = watchRootOf(pattern);
        byBase.set(root.base, Math.max(byBase.get(root.base) ?? -1, root.depth));
      }
    }
    this.roots = [...byBase].map(([base, depth]) => ({ base, depth }));
  }

  /** The input a path belongs to (the first that matches and does not exclude it). */
  inputFor(path: string): InputConfig | undefined {
    for (const c of this.compiled) if (c.matches(path) && !c.excluded(path)) return c.input;
    return undefined;
  }

  /**
   * Starts watching, waits until every watcher is ready, then scans once (reporting files with initial=true):
   * in this order no file created during start-up falls between the scan and the first event.
   */
  async start(): Promise<void> {
    const ready: Promise<void>[] = [];
    for (const root of this.roots) {
      const watcher = watch(root.base, {
        ignoreInitial: true,
        persistent: true,
        ...(Number.isFinite(root.depth) ? { depth: root.depth } : {}),
        // Only files are filtered: a folder must stay watched for `**` and for files created in it later.
        ignored: (path, stats) => stats?.isFile() === true && this.inputFor(path) === undefined,
      });
      ready.push(new Promise((resolve) => watcher.once('ready', () => resolve())));
      watcher.on('add', (path) => this.report(path, false));
      watcher.on('change', (path) => this.report(path, false));
      watcher.on('unlink', (path) => this.gone(path));
      watcher.on('error', (err) =>
        this.logger.warn(
          { err, folder: root.base },
          'Watching a folder failed; the periodic rescan still finds files.',
        ),
      );
      this.watchers.push(watcher);
    }
    await Promise.all(ready);
    await this.rescan(true);
    if (this.rescanIntervalMs > 0) {
      this.timer = setInterval(() => {
        this.rescan(false).catch((err: unknown) => this.logger.warn({ err }, 'Rescanning the input folders failed.'));
      }, this.rescanIntervalMs);
    }
  }

  /**
   * Lists one folder (not its subfolders) and reports its matching files. Called when a rotation is noticed:
   * events for names that change several times within milliseconds get lost, and the rotated file may still hold
   * unread lines under its new name. Requests for the same folder are merged.
   */
  rescanFolder(dir: string): void {
    if (this.closed || this.folderScans.has(dir)) return;
    const found = new Set<string>();
    const run = (async () => {
      await new Promise((r) => setTimeout(r, 20)); // let the rotation finish its renames first
      await this.walk(dir, 0, found);
      this.folderScans.delete(dir);
      for (const path of found) this.report(path, false);
    })();
    this.folderScans.set(dir, run);
    run.catch((err: unknown) => {
      this.folderScans.delete(dir);
      this.logger.warn({ err, folder: dir }, 'Listing a folder after a rotation failed.');
    });
  }

  /** Walks the input folders now (SIGHUP, or after a suspected loss of file system events). */
  rescanNow(): Promise<void> {
    return this.rescan(false);
  }

  /** Stops watching and rescanning. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all(this.watchers.splice(0).map((w) => w.close()));
  }

  private report(path: string, initial: boolean): void {
    if (this.closed) return;
    const input = this.inputFor(path);
    if (!input) return;
    this.known.add(path);
    this.handlers.onFile(path, input, initial);
  }

  private gone(path: string): void {
    if (this.closed) return;
    if (this.known.delete(path)) this.handlers.onGone(path);
  }

  /** Walks every root and reports all matching files; paths no longer found are reported gone. */
  private async rescan(initial: boolean): Promise<void> {
    if (this.scanning || this.closed) return;
    this.scanning = true;
    try {
      const found = new Set<string>();
      for (const root of this.roots) await this.walk(root.base, root.depth, found);
      if (this.closed) return;
      for (const path of found) this.report(path, initial);
      for (const path of [...this.known]) if (!found.has(path)) this.gone(path);
    } finally {
      this.scanning = false;
    }
  }

  private async walk(dir: string, depth: number, found: Set<string>): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // missing or unreadable folder: it may appear later
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth > 0) await this.walk(path, depth - 1, found);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        if (this.inputFor(path) === undefined) continue;
        // Symlinks count when they point at a file; symlinked folders are not followed, to avoid loops.
        if (entry.isSymbolicLink() && !(await stat(path).catch(() => undefined))?.isFile()) continue;
        found.add(path);
      }
    }
  }
}
