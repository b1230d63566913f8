import { QueryError } from '../../query/query-error.js';
import { StoreUnavailableError } from '../store-errors.js';

/**
 * Why the embedded store cannot work now. Each answers 503 STORE_UNAVAILABLE (so shippers keep their data and
 * retry) with `store_error` naming the cause; docs/error-codes.md lists them.
 */
export type EmbeddedProblemCode =
  'STORE_LOCKED' | 'STORE_CORRUPT' | 'STORE_READ_ONLY' | 'STORE_DISK_FULL' | 'STORE_IO_ERROR' | 'STORE_SCHEMA_MISMATCH';

/** A store problem a retry may outlive (space freed, permissions fixed, the other process gone). */
export class EmbeddedStoreError extends StoreUnavailableError {
  constructor(
    readonly problem: EmbeddedProblemCode,
    message: string,
  ) {
    super(message, problem === 'STORE_LOCKED' ? 2 : 10);
    this.details.store_error = problem;
  }
}

/** Maps a SQLite or file-system failure to a coded store problem; anything else (a bug) is returned unchanged. */
export function classifyStoreError(err: unknown, path: string): unknown {
  if (err instanceof EmbeddedStoreError || err instanceof QueryError) return err;
  const code = String((err as { code?: unknown }).code ?? '');
  const text = (err as Error).message ?? String(err);
  const at = `(${path})`;
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED') {
    return new EmbeddedStoreError('STORE_LOCKED', `The store file is locked by another process ${at}: ${text}`);
  }
  if (code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT_') || code === 'SQLITE_NOTADB') {
    return new EmbeddedStoreError('STORE_CORRUPT', `The store file is damaged ${at}: ${text}`);
  }
  if (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code === 'SQLITE_PERM' ||
    code === 'SQLITE_AUTH' ||
    code === 'EACCES' ||
    code === 'EPERM' ||
    code === 'EROFS'
  ) {
    return new EmbeddedStoreError('STORE_READ_ONLY', `The store folder or file is not writable ${at}: ${text}`);
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || (code.startsWith('SQLITE_IOERR') && /space|full/i.test(text))) {
    return new EmbeddedStoreError('STORE_DISK_FULL', `The disk of the store is full ${at}: ${text}`);
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') {
    return new EmbeddedStoreError('STORE_IO_ERROR', `The store could not read or write its file ${at}: ${text}`);
  }
  return err;
}
