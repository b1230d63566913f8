/**
 * `POST /api/v1/heartbeat` (ingest scope), sent by every shipper every few seconds even when no line was read,
 * so the collector can tell a silent host (shipper gone) from a quiet one (nothing to log).
 */
export interface Heartbeat {
  host: string;
  /** logship version of the shipper. */
  version: string;
  /** When this shipper process started (ISO-8601). */
  started_at: string;
  /** When the heartbeat was sent (ISO-8601). */
  sent_at: string;
  /** Seconds between heartbeats; the collector calls a host silent after a few missed ones. */
  interval_s: number;
  inputs: { paths: string[]; service?: string; files: number }[];
  /** Bytes written to watched files but not yet acknowledged by a collector, summed over files. */
  lag_bytes: number;
}
