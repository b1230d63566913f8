/** One entry of `GET /api/v1/deadletter`: a rejected event with its reason, newest first. */
export interface DeadLetterEntry {
  id: string;
  received_at: string;
  code: string;
  reason: string;
  /** The token that sent it; null when the sender was not known. */
  token: string | null;
  /** The original line when it was UTF-8 text. */
  original?: string;
  /** The original bytes in base64 when they were not UTF-8. */
  original_base64?: string;
  /** Bytes of the whole original line; more than `original` holds when `original_truncated`. */
  original_bytes?: number;
  /** SHA-256 (hex) of the whole original line. */
  original_sha256?: string;
  /** Only the first bytes of the original were kept (limits.deadletter_max_original_bytes). */
  original_truncated?: boolean;
}

/** The answer of `GET /api/v1/deadletter`. */
export interface DeadLetterPage {
  dead_letters: DeadLetterEntry[];
  total: { value: number; relation: 'eq' | 'gte' };
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next_cursor: string | null;
}
