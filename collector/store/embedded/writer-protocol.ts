import type { AlertRecord, AlertRecordKind } from '../alert-records.js';
import type { WriteOutcome } from '../log-store.js';
import type { DeadLetterRow, EncodedEvents } from './encoded-events.js';

/** What the store asks of its writer thread, with what each answers. */
export interface WriterOps {
  /** Opens (creating and migrating) the store file; the writer thread holds the only writing connection. */
  open: { args: { path: string; lockTimeoutMs: number }; result: void };
  /** Stores one request's events; consecutive writes share one transaction (group commit). */
  write: { args: { events: EncodedEvents }; result: WriteOutcome };
  deadLetters: { args: { rows: DeadLetterRow[] }; result: void };
  probe: { args: Record<string, never>; result: void };
  heartbeat: { args: { host: string; receivedAt: string; heartbeat: string; clock: string | null }; result: void };
  /** One step of expiring events and their rollup counts before `cutoffMs`, ending after about `budgetMs`. */
  expire: { args: { cutoffMs: number; budgetMs: number }; result: ExpiryStep };
  expireDeadLetters: { args: { cutoffMs: number }; result: number[] };
  /** A conditional write of an alert record (embedded-alert-records.ts): the new version, or null. */
  alertPut: {
    args: { kind: AlertRecordKind; recordId: string; body: string; expected: number | null };
    result: number | null;
  };
  alertDelete: { args: { kind: AlertRecordKind; recordId: string; expected: number | null }; result: boolean };
  alertGet: { args: { kind: AlertRecordKind; recordId: string }; result: AlertRecord | null };
  /** Closes the file (checkpointing the WAL into it); a later `open` opens it again. */
  close: { args: Record<string, never>; result: void };
}

/** What one expiry step did: the UTC days (start ms) it deleted events of, and whether nothing is left to delete. */
export interface ExpiryStep {
  days: number[];
  done: boolean;
}

export type WriterOp = keyof WriterOps;

/** A request to the writer thread. */
export type WriterRequest = {
  [K in WriterOp]: { id: number; op: K } & WriterOps[K]['args'];
}[WriterOp];

/** A failure as it crosses the thread: SQLite's `code` is kept so the store can classify it (embedded-errors.ts). */
export interface WriterFailure {
  message: string;
  code?: string;
}

/** The writer thread's answer to request `id`. */
export type WriterResponse = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WriterFailure };
