import type Database from 'better-sqlite3';
import type { DeadLetterEntry, DeadLetterPage } from '../../../protocol/dead-letter.js';
import type { DeadLetterQuery } from '../log-store.js';

/** Dead letters counted exactly up to this many, then reported as `gte`. */
const TOTAL_CAP = 10_000;

interface DeadLetterRow {
  seq: number;
  received_at: string;
  code: string;
  reason: string;
  token: string | null;
  original: string | null;
  original_base64: string | null;
}

/** `GET /api/v1/deadletter` on the embedded store: a window of dead letters, newest first. */
export class EmbeddedDeadLetters {
  constructor(private readonly db: Database.Database) {}

  list(query: DeadLetterQuery): DeadLetterPage {
    const codes = query.codes.length ? ` AND code IN (${query.codes.map(() => '?').join(', ')})` : '';
    const where = `received_ms BETWEEN ? AND ?${codes}`;
    const params = [query.from.getTime(), query.to.getTime(), ...query.codes];
    const rows = this.db
      .prepare(`SELECT * FROM dead_letters WHERE ${where} ORDER BY received_ms DESC, seq DESC LIMIT ?`)
      .all(...params, query.limit) as DeadLetterRow[];
    const total = this.db
      .prepare(`SELECT count(*) FROM (SELECT 1 FROM dead_letters WHERE ${where} LIMIT ${TOTAL_CAP + 1})`)
      .pluck()
      .get(...params) as number;
    return {
      dead_letters: rows.map((r): DeadLetterEntry => {
        const entry: DeadLetterEntry = {
          id: String(r.seq),
          received_at: r.received_at,
          code: r.code,
          reason: r.reason,
          token: r.token,
        };
        if (r.original !== null) entry.original = r.original;
        if (r.original_base64 !== null) entry.original_base64 = r.original_base64;
        return entry;
      }),
      total: total > TOTAL_CAP ? { value: TOTAL_CAP, relation: 'gte' } : { value: total, relation: 'eq' },
    };
  }
}
