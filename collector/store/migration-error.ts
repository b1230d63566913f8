import { CodedError } from '../../protocol/coded-error.js';

/** Codes of `logship migrate`; docs/error-codes.md lists them. */
export type MigrationErrorCode = 'MIGRATE_NO_STORE' | 'MIGRATE_TARGET_UNAVAILABLE' | 'MIGRATE_DEAD_LETTERS_TOO_DENSE';

/** A migration that cannot start or go on; status 400 means a wrong argument (the CLI exits with code 2). */
export class MigrationError extends CodedError {
  constructor(code: MigrationErrorCode, message: string, status: 400 | 500 | 503) {
    super(code, message, status);
  }
}
