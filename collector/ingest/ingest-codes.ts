/** Per-line rejection codes of `POST /api/v1/ingest` (docs/error-codes.md). */
export type LineErrorCode =
  | 'INGEST_INVALID_UTF8'
  | 'INGEST_INVALID_JSON'
  | 'INGEST_INVALID_EVENT'
  | 'INGEST_EVENT_TOO_LARGE'
  | 'INGEST_TIME_OUT_OF_RANGE'
  | 'STORE_REJECTED';

/** A line that will not be stored as an event, kept for the dead-letter store. */
export interface RejectedLine {
  line: number;
  code: LineErrorCode;
  reason: string;
  original: string | Buffer;
}
