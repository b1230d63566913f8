import type Database from 'better-sqlite3';
import type { DeadLetterEntry, DeadLetterPage } from '../../../protocol/dead-letter.js';
import { DEAD_LETTER_PAGE_BYTES, decodeDeadLetterCursor, encodeDeadLetterCursor } from '../dead-letter-cursor.js';
import type { DeadLetterQuery } from '../log-store.js';

/** Dead letters counted exactly up to this many, then reported as `gte`. */
const TOTAL_CAP = 10_000;

interface DeadLetterRow {
  seq: number;
  received_ms: number;
  received_at: string;
  code: string;
  reason: string;
  token: string | null;
  original: string | null;
  original_length: number | null;
  original_base64: string | null;
  base64_length: number | null;
  original_bytes: number | null;
  original_sha256: string | null;
}

/**
 * `GET /api/v1/deadletter` on the embedded store: a window of dead letters, newest first, in pages. SQLite cuts
 * each original to the limit before it reaches JavaScript, and a page ends early once its originals reach
 * DEAD_LETTER_PAGE_BYTES, so no answer is ever built from one huge string (dead letters of 31 MiB each once made
 * the listing fail with "Invalid string length" at 2.3 GB of memory).
 */
export class EmbeddedDeadLetters {
  constructor(private readonly db: Database.Database) {}

  /** How many dead letters of each code were received in [fromMs, toMs] (`/api/v1/status`). */
  count(fromMs: number, toMs: number): Record<string, number> {
    const rows = this.db
      .prepare(`SELECT code, count(*) AS n FROM dead_letters WHERE received_ms BETWEEN ? AND ? GROUP BY code`)
      .all(fromMs, toMs) as { code: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.code, r.n]));
  }

  list(query: DeadLetterQuery): DeadLetterPage {
    const codes = query.codes.length ? ` AND code IN (${query.codes.map(() => '?').join(', ')})` : '';
    const where = `received_ms BETWEEN ? AND ?${codes}`;
    const params = [query.from.getTime(), query.to.getTime(), ...query.codes];
    let after = '';
    const afterParams: unknown[] = [];
    if (query.cursor) {
      const [ms, seq] = decodeDeadLetterCursor(query.cursor);
      after = ' AND (received_ms < ? OR (received_ms = ? AND seq < ?))';
      afterParams.push(ms, ms, seq);
    }
    const limited = query.maxOriginalBytes !== undefined;
    // Whole base64 quads, so a cut original still decodes.
    const chars = query.maxOriginalBytes ?? Number.MAX_SAFE_INTEGER;
    const base64Chars = limited ? Math.ceil(query.maxOriginalBytes! / 3) * 4 : Number.MAX_SAFE_INTEGER;
    const rows = this.db
      .prepare(
        `SELECT seq, received_ms, received_at, code, reason, token,
           substr(original, 1, ?) AS original, length(original) AS original_length,
           substr(original_base64, 1, ?) AS original_base64, length(original_base64) AS base64_length,
           original_bytes, original_sha256
         FROM dead_letters WHERE ${where}${after} ORDER BY received_ms DESC, seq DESC LIMIT ?`,
      )
      .all(chars, base64Chars, ...params, ...afterParams, query.limit) as DeadLetterRow[];
    const total = this.db
      .prepare(`SELECT count(*) FROM (SELECT 1 FROM dead_letters WHERE ${where} LIMIT ${TOTAL_CAP + 1})`)
      .pluck()
      .get(...params) as number;
    const entries: DeadLetterEntry[] = [];
    let bytes = 0;
    let last: DeadLetterRow | undefined;
    for (const r of rows) {
      if (limited && entries.length > 0 && bytes >= DEAD_LETTER_PAGE_BYTES) break;
      const entry: DeadLetterEntry = {
        id: String(r.seq),
        received_at: r.received_at,
        code: r.code,
        reason: r.reason,
        token: r.token,
      };
      let kept = 0;
      let cut = false;
      if (r.original !== null) {
        entry.original = r.original;
        kept = Buffer.byteLength(r.original);
        cut = (r.original_length ?? 0) > r.original.length;
      }
      if (r.original_base64 !== null) {
        entry.original_base64 = r.original_base64;
        kept = Math.floor((r.original_base64.length * 3) / 4);
        cut = (r.base64_length ?? 0) > r.original_base64.length;
      }
      if (r.original_bytes !== null) entry.original_bytes = r.original_bytes;
      if (r.original_sha256 !== null) entry.original_sha256 = r.original_sha256;
      if (cut || (r.original_bytes !== null && kept < r.original_bytes)) entry.original_truncated = true;
      entries.push(entry);
      bytes += kept;
      last = r;
    }
    const more = entries.length < rows.length || rows.length === query.limit;
    return {
      dead_letters: entries,
      total: total > TOTAL_CAP ? { value: TOTAL_CAP, relation: 'gte' } : { value: total, relation: 'eq' },
      next_cursor: more && last ? encodeDeadLetterCursor([last.received_ms, last.seq]) : null,
    };
  }
}
