import { CodedError } from '../../protocol/coded-error.js';

/** Codes of `logship backup`; docs/error-codes.md lists them. */
export type BackupErrorCode =
  | 'BACKUP_NO_STORE'
  | 'BACKUP_NO_REPOSITORY'
  | 'BACKUP_NOT_FOUND'
  | 'BACKUP_FAILED'
  | 'BACKUP_INVALID'
  | 'BACKUP_STORE_IN_USE'
  | 'BACKUP_RESTORE_CONFLICT'
  | 'BACKUP_RESTORE_FAILED';

/** A backup, check or restore that cannot start or did not complete; status 400 is a wrong argument (exit code 2). */
export class BackupError extends CodedError {
  constructor(code: BackupErrorCode, message: string, status: 400 | 500 = 500) {
    super(code, message, status);
  }
}

/** How far a long step is, for a progress line: `done` of `total` `unit`s. */
export interface BackupProgress {
  phase: string;
  done: number;
  total: number;
  unit: 'pages' | 'shards' | 'bytes' | 'indices';
}

export type OnProgress = (progress: BackupProgress) => void;

/** `2026.12.05-163000` (UTC) in backup names: sortable, and valid in an Elasticsearch snapshot name. */
export function backupStamp(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '.')}-${iso.slice(11, 19).replaceAll(':', '')}`;
}
