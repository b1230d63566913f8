import { open, readFile, rename } from 'node:fs/promises';
import { ensurePrivateDir } from '../config/private-files.js';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { identityKey, type FileIdentity } from './file-identity.js';
import { ShipperError } from './shipper-error.js';

/** The committed position of one file: lines before `offset` are acknowledged by the collector. */
export interface RegistryEntry extends FileIdentity {
  /** The path the file was last seen at (informational: files are matched by identity, not path). */
  path: string;
  offset: number;
  /** How often the file was truncated and refilled with the same first line; part of its event ids. Absent = 0. */
  generation?: number;
  /** base64 of the bytes just before `offset`: tells a truncated-and-regrown file or a copy from the same one. */
  tail?: string;
  /** The generation key that event ids use when it is not this file's own (a copytruncate copy inherits it). */
  id_key?: string;
  /** Set on the entry of a generation that was replaced (ms since epoch): kept a while so a copy can match it. */
  retired_at?: number;
}

/** Retired generations are kept this long for copies that show up late (after a shipper restart). */
const RETIRED_KEEP_MS = 24 * 3600 * 1000;

/** The map key of an entry: live entries by identity, retired ones per generation. */
export function entryKey(e: RegistryEntry): string {
  const key = identityKey(e);
  return e.retired_at === undefined ? key : `${key}#g${e.generation ?? 0}`;
}

interface RegistryFile {
  version: 1;
  files: RegistryEntry[];
}

function isEntry(v: unknown): v is RegistryEntry {
  if (!v || typeof v !== 'object') return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.path === 'string' &&
    typeof e.dev === 'string' &&
    typeof e.ino === 'string' &&
    typeof e.fingerprint === 'string' &&
    typeof e.offset === 'number' &&
    Number.isSafeInteger(e.offset) &&
    e.offset >= 0 &&
    (e.generation === undefined || (typeof e.generation === 'number' && Number.isSafeInteger(e.generation))) &&
    (e.tail === undefined || typeof e.tail === 'string') &&
    (e.id_key === undefined || typeof e.id_key === 'string') &&
    (e.retired_at === undefined || typeof e.retired_at === 'number')
  );
}

/** Writes a file so that a crash leaves either the old or the new content: temp file, fsync, rename, fsync dir. */
async function writeAtomically(file: string, dir: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  // Without syncing the directory the rename itself may not survive a power loss.
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/**
 * Offsets per file identity in `<data_dir>/registry.json`. Only acknowledged offsets are stored, and every write
 * is atomic, so after any crash the shipper resumes at or before the last acknowledged line: at-least-once, with
 * the deterministic event ids turning re-sent lines into collector-side duplicates.
 */
export class Registry {
  private dirty = false;
  private saving: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly dir: string,
    private readonly file: string,
    private readonly entries: Map<string, RegistryEntry>,
    private readonly logger: Logger,
  ) {}

  /** Opens (creating the data directory) and reads the registry of `dataDir`. */
  static async open(dataDir: string, logger: Logger): Promise<Registry> {
    try {
      ensurePrivateDir(dataDir);
    } catch (err) {
      throw new ShipperError(
        'SHIPPER_REGISTRY_IO',
        `Cannot create the data directory ${dataDir}: ${(err as Error).message}`,
      );
    }
    const file = join(dataDir, 'registry.json');
    const entries = new Map<string, RegistryEntry>();
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new ShipperError('SHIPPER_REGISTRY_IO', `Cannot read ${file}: ${(err as Error).message}`);
      }
    }
    if (text !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const files = (parsed as Partial<RegistryFile> | undefined)?.files;
      if (Array.isArray(files) && files.every(isEntry)) {
        for (const e of files) entries.set(entryKey(e), e);
      } else {
        // Atomic writes make this unlikely (disk damage, manual edits). Starting empty re-reads files from the
        // start; the collector drops the re-sent lines as duplicates because their ids are the same.
        const aside = `${file}.corrupt-${Date.now()}`;
        await rename(file, aside);
        logger.error(
          { file, moved_to: aside },
          'The offset registry is unreadable; it was moved aside and files are re-read.',
        );
      }
    }
    return new Registry(dataDir, file, entries, logger);
  }

  /** The registry file's path. */
  get path(): string {
    return this.file;
  }

  /** Number of files with a stored offset. */
  get size(): number {
    return this.entries.size;
  }

  /** The stored entry of a file identity. */
  get(key: string): RegistryEntry | undefined {
    return this.entries.get(key);
  }

  /** Stores a file's acknowledged offset (written by the next save). */
  set(entry: RegistryEntry): void {
    this.entries.set(entryKey(entry), { ...entry });
    this.dirty = true;
  }

  /**
   * Keeps the live entry under `key` as a retired generation (its file was truncated or now holds other content),
   * so a copy of the old content can still be matched; drops retired entries older than a day.
   */
  retire(key: string, now = Date.now()): void {
    const e = this.entries.get(key);
    if (!e || e.retired_at !== undefined) return;
    this.entries.delete(key);
    const retired = { ...e, retired_at: now };
    this.entries.set(entryKey(retired), retired);
    for (const [k, old] of this.entries) {
      if (old.retired_at !== undefined && now - old.retired_at > RETIRED_KEEP_MS) this.entries.delete(k);
    }
    this.dirty = true;
  }

  /** Every entry (live or retired) whose file started with `fingerprint`: candidates a copy may continue. */
  withFingerprint(fingerprint: string): RegistryEntry[] {
    const out: RegistryEntry[] = [];
    for (const e of this.entries.values()) if (e.fingerprint === fingerprint) out.push(e);
    return out;
  }

  /** Live entries of a device and inode whose content (fingerprint) differs from `except`: the inode was reused. */
  sameInode(dev: string, ino: string, exceptKey: string): string[] {
    const out: string[] = [];
    for (const [k, e] of this.entries) {
      if (e.retired_at === undefined && e.dev === dev && e.ino === ino && k !== exceptKey) out.push(k);
    }
    return out;
  }

  /** Forgets a file (deleted and fully read). */
  delete(key: string): void {
    if (this.entries.delete(key)) this.dirty = true;
  }

  /** Writes the registry if it changed; concurrent calls are serialised. */
  save(): Promise<void> {
    const write = async (): Promise<void> => {
      if (!this.dirty) return;
      this.dirty = false;
      const body: RegistryFile = { version: 1, files: [...this.entries.values()] };
      try {
        await writeAtomically(this.file, this.dir, JSON.stringify(body));
      } catch (err) {
        this.dirty = true;
        throw new ShipperError('SHIPPER_REGISTRY_IO', `Cannot write ${this.file}: ${(err as Error).message}`);
      }
    };
    // Each save waits for the previous one, whether it failed or not, so writes never interleave.
    const run = this.saving.then(write, write);
    this.saving = run.catch(() => undefined);
    return run;
  }

  /** Saves every `intervalMs` while there are changes; bounds both write load and what a crash re-sends. */
  startAutoSave(intervalMs: number): void {
    this.timer ??= setInterval(() => {
      this.save().catch((err: unknown) =>
        this.logger.error({ err }, 'Writing the offset registry failed; retrying at the next interval.'),
      );
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops periodic saving (the caller saves once more on shutdown). */
  stopAutoSave(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
