/** The answer of `POST /api/v1/ingest` (see docs/api.md). */
export interface LineError {
  /** 1-based line number in the request body. */
  line: number;
  code: string;
  reason: string;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: number;
  errors: LineError[];
}
