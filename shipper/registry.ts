import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { identityKey, type FileIdentity } from './file-identity.js';
import { ShipperError } from './shipper-error.js';

/** The committed position of one file: lines before `offset` are acknowledged by the collector. */
export interface RegistryEntry extends FileIdentity {
  /** The path the file was last seen at (informational: files are matched by identity, not path). */
  path: string;
  offset: number;
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
    e.offset >= 0
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
      await mkdir(dataDir, { recursive: true });
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
        for (const e of files) entries.set(identityKey(e), e);
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
    this.entries.set(identityKey(entry), { ...entry });
    this.dirty = true;
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
