/**
 * Backups of the embedded store: an online copy through SQLite's backup API while the collector writes, checked
 * (integrity, full-text index, counts, checksum) before it is called a backup, and a restore into a stopped data
 * folder that swaps the checked copy in by rename, so an interrupted restore never leaves a half-written store.
 */
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  createReadStream,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { BlockCache } from './message-blocks.js';
import { BackupError, backupStamp, type OnProgress } from '../backup-error.js';

/** What `manifest.json` beside each backup's `events.db` records. */
export interface EmbeddedBackup {
  name: string;
  /** The backup's folder. */
  path: string;
  created_at: string;
  /** The store it was copied from. */
  source: string;
  events: number;
  dead_letters: number;
  bytes: number;
  sha256: string;
  /** Collector state copied beside the store (tokens.json, session.key), restored where missing. */
  state_files: string[];
}

const MANIFEST = 'manifest.json';
const DB_FILE = 'events.db';
/** Pages copied per step (16 MiB of 4 KiB pages) between progress lines. */
const STEP_PAGES = 4096;
/** Small files of the collector's data folder that a lost machine also loses. */
const STATE_FILES = ['tokens.json', 'session.key'];

/** The store file of a data folder. */
export function storeFile(dataDir: string): string {
  return join(resolve(dataDir), 'store', DB_FILE);
}

/**
 * Copies the store of `dataDir` into a new folder under `backupRoot` while a collector may be writing to it. The
 * copy is made self-contained (no WAL), checked, and only then renamed to its final name.
 */
export async function createEmbeddedBackup(
  dataDir: string,
  backupRoot: string,
  onProgress: OnProgress,
  now = new Date(),
): Promise<EmbeddedBackup> {
  const source = storeFile(dataDir);
  if (!existsSync(source))
    throw new BackupError('BACKUP_NO_STORE', `${resolve(dataDir)} holds no embedded store (store/${DB_FILE}).`, 400);
  const root = resolve(backupRoot);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const name = `logship-embedded-${backupStamp(now)}`;
  const partial = join(root, `.${name}.partial`);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { mode: 0o700 });
  try {
    const copy = join(partial, DB_FILE);
    const db = new Database(source, { readonly: true, fileMustExist: true });
    try {
      // A write by the collector between two steps restarts the copy; then the rest goes in one step, which reads
      // one consistent snapshot (a WAL reader does not block the writer), so a busy store cannot starve it.
      let remaining = Infinity;
      await db.backup(copy, {
        progress: ({ totalPages, remainingPages }) => {
          const restarted = remainingPages > remaining;
          remaining = remainingPages;
          onProgress({ phase: 'copying', done: totalPages - remainingPages, total: totalPages, unit: 'pages' });
          return restarted ? 0x7fffffff : STEP_PAGES;
        },
      });
    } finally {
      db.close();
    }
    const copyDb = new Database(copy);
    try {
      // One file that stands alone: no -wal or -shm beside it.
      copyDb.pragma('journal_mode = DELETE');
    } finally {
      copyDb.close();
    }
    onProgress({ phase: 'checking', done: 0, total: 1, unit: 'indices' });
    const counts = checkStore(copy);
    const stateFiles: string[] = [];
    for (const file of STATE_FILES) {
      const from = join(resolve(dataDir), file);
      if (!existsSync(from)) continue;
      copyFileSync(from, join(partial, file));
      stateFiles.push(file);
    }
    const manifest: EmbeddedBackup = {
      name,
      path: join(root, name),
      created_at: now.toISOString(),
      source,
      events: counts.events,
      dead_letters: counts.deadLetters,
      bytes: statSync(copy).size,
      sha256: await sha256(copy),
      state_files: stateFiles,
    };
    writeFileSync(join(partial, MANIFEST), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
    syncFolder(partial);
    renameSync(partial, manifest.path);
    syncFolder(root);
    return manifest;
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    if (err instanceof BackupError) throw err;
    throw new BackupError('BACKUP_FAILED', `Backing up ${source} failed: ${(err as Error).message}`);
  }
}

/** The backups under `backupRoot`, oldest first (unfinished copies are not listed). */
export function listEmbeddedBackups(backupRoot: string): EmbeddedBackup[] {
  const root = resolve(backupRoot);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => !name.startsWith('.') && existsSync(join(root, name, MANIFEST)))
    .map((name) => readManifest(join(root, name)))
    .sort((a, b) => a.created_at.localeCompare(b.created_at));
}

/** Checks a backup (the newest when `name` is not given): checksum, SQLite and full-text integrity, counts. */
export async function verifyEmbeddedBackup(backupRoot: string, name?: string): Promise<EmbeddedBackup> {
  const backup = findBackup(backupRoot, name);
  const file = join(backup.path, DB_FILE);
  const digest = await sha256(file);
  if (digest !== backup.sha256)
    throw new BackupError(
      'BACKUP_INVALID',
      `${file} does not match its manifest (sha256 ${digest}, not ${backup.sha256}).`,
    );
  const counts = checkStore(file);
  if (counts.events !== backup.events || counts.deadLetters !== backup.dead_letters)
    throw new BackupError(
      'BACKUP_INVALID',
      `${file} holds ${counts.events} events and ${counts.deadLetters} dead letters; its manifest says ${backup.events} and ${backup.dead_letters}.`,
    );
  return backup;
}

/** What a restore put in place. */
export interface EmbeddedRestore {
  backup: EmbeddedBackup;
  store: string;
  /** The store that was there before, moved aside (`--replace`), or null. */
  replaced: string | null;
  stateFilesRestored: string[];
}

/**
 * Restores a backup into the data folder of a stopped collector. The backup is verified first, copied next to the
 * target, verified again, and renamed into place; a store already there is refused unless `replace` (then it is
 * moved aside, never deleted).
 */
export async function restoreEmbeddedBackup(
  backupRoot: string,
  name: string | undefined,
  dataDir: string,
  options: { replace: boolean },
  onProgress: OnProgress,
): Promise<EmbeddedRestore> {
  const backup = await verifyEmbeddedBackup(backupRoot, name);
  const target = storeFile(dataDir);
  const storeDir = join(resolve(dataDir), 'store');
  const users = processesUsing(target);
  if (users.length)
    throw new BackupError(
      'BACKUP_STORE_IN_USE',
      `${target} is open in process ${users.join(', ')} (a running collector?); stop it before restoring.`,
    );
  let replaced: string | null = null;
  if (existsSync(target)) {
    if (!options.replace)
      throw new BackupError(
        'BACKUP_RESTORE_CONFLICT',
        `${target} exists; restore into an empty data folder, or pass --replace to move the current store aside.`,
        400,
      );
  }
  // Copied next to the store folder, so a store already there can be moved aside whole before the rename.
  const incoming = join(resolve(dataDir), `${DB_FILE}.restoring`);
  mkdirSync(resolve(dataDir), { recursive: true });
  rmSync(incoming, { force: true });
  try {
    onProgress({ phase: 'copying', done: 0, total: backup.bytes, unit: 'bytes' });
    copyFileSync(join(backup.path, DB_FILE), incoming);
    syncFile(incoming);
    onProgress({ phase: 'copying', done: backup.bytes, total: backup.bytes, unit: 'bytes' });
    const counts = checkStore(incoming);
    if (counts.events !== backup.events || counts.deadLetters !== backup.dead_letters)
      throw new BackupError('BACKUP_RESTORE_FAILED', `The copy at ${incoming} does not hold what the backup holds.`);
    if (existsSync(target)) {
      replaced = join(resolve(dataDir), `store.replaced-${backupStamp(new Date())}`);
      renameSync(storeDir, replaced);
    }
    mkdirSync(storeDir, { recursive: true });
    // A -wal or -shm left from an earlier store would be replayed into the restored one.
    for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${target}${suffix}`, { force: true });
    renameSync(incoming, target);
    syncFolder(storeDir);
    syncFolder(resolve(dataDir));
  } catch (err) {
    rmSync(incoming, { force: true });
    if (err instanceof BackupError) throw err;
    throw new BackupError(
      'BACKUP_RESTORE_FAILED',
      `Restoring ${backup.name} into ${storeDir} failed: ${(err as Error).message}`,
    );
  }
  const stateFilesRestored: string[] = [];
  for (const file of backup.state_files) {
    const to = join(resolve(dataDir), file);
    if (existsSync(to)) continue;
    copyFileSync(join(backup.path, file), to);
    stateFilesRestored.push(file);
  }
  return { backup, store: target, replaced, stateFilesRestored };
}

function findBackup(backupRoot: string, name: string | undefined): EmbeddedBackup {
  const all = listEmbeddedBackups(backupRoot);
  const found = name === undefined ? all.at(-1) : all.find((b) => b.name === name);
  if (!found)
    throw new BackupError(
      'BACKUP_NOT_FOUND',
      name === undefined
        ? `${resolve(backupRoot)} holds no backup.`
        : `${resolve(backupRoot)} holds no backup named ${name} (logship backup list shows them).`,
      400,
    );
  return found;
}

function readManifest(dir: string): EmbeddedBackup {
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as EmbeddedBackup;
  // The folder may have been moved since: where it is now counts.
  return { ...manifest, path: dir };
}

/** SQLite's integrity check, FTS5's own check of the full-text index, and the counts of a store file. */
function checkStore(file: string): { events: number; deadLetters: number } {
  // Read-write: FTS5's check is an INSERT of a command row (it changes nothing).
  const db = new Database(file, { fileMustExist: true });
  try {
    // FTS5's check reads the messages through `events_text`, which decodes the blocks they are kept in.
    new BlockCache().register(db);
    const problems = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    if (problems.join() !== 'ok')
      throw new BackupError('BACKUP_INVALID', `${file} is damaged: ${problems.slice(0, 5).join('; ')}`);
    try {
      db.prepare("INSERT INTO events_fts(events_fts, rank) VALUES ('integrity-check', 1)").run();
    } catch (err) {
      throw new BackupError('BACKUP_INVALID', `The full-text index of ${file} is damaged: ${(err as Error).message}`);
    }
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { events: count('events'), deadLetters: count('dead_letters') };
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError('BACKUP_INVALID', `${file} is not a readable logship store: ${(err as Error).message}`);
  } finally {
    db.close();
  }
}

/** The pids that hold `file` open (Linux /proc; an empty list elsewhere or for processes we may not inspect). */
function processesUsing(file: string): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return pids;
  }
  for (const pid of entries) {
    if (Number(pid) === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (target === file || target.startsWith(`${file}-`)) {
          pids.push(Number(pid));
          break;
        }
      } catch {
        // Closed meanwhile.
      }
    }
  }
  return pids;
}

function sha256(file: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', fail)
      .on('end', () => done(hash.digest('hex')));
  });
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync of a folder, so a rename in it survives a crash. */
function syncFolder(path: string): void {
  syncFile(path);
}
