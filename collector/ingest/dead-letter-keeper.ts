import { createHash } from 'node:crypto';
import type { DeadLetter, LogStore } from '../store/log-store.js';

export interface DeadLetterLimits {
  /** Bytes of a rejected line that are kept; the rest is represented by its length and SHA-256. */
  maxOriginalBytes: number;
  /** Bytes of dead letters one token may add per UTC day on this collector; past it they are summarised. */
  budgetPerToken: number;
}

export const DEAD_LETTER_DEFAULTS: DeadLetterLimits = {
  maxOriginalBytes: 64 * 1024,
  budgetPerToken: 256 * 1024 * 1024,
};

/** What a kept dead letter costs its token's budget beyond its original: the row, code, reason and token. */
const ROW_COST = 256;
/** The code of the row that stands for the rejected lines of a request past the token's budget. */
export const BUDGET_CODE = 'INGEST_DEADLETTER_BUDGET';

const DAY_MS = 86_400_000;

/**
 * Keeps rejected lines in the dead-letter store within bounds an ingest token cannot push: each original is kept up
 * to `maxOriginalBytes` with its full length and SHA-256 (20 gzip bodies inflating to one 31 MiB line each once
 * grew the store by 678 MB in 9 s), and each token has a daily budget; past it, a request's remaining rejected lines
 * become one summary row with their count and codes. The sender's answer still lists every rejected line.
 */
export class DeadLetterKeeper {
  private readonly used = new Map<string, { day: number; bytes: number }>();

  constructor(
    private readonly store: LogStore,
    private readonly limits: DeadLetterLimits = DEAD_LETTER_DEFAULTS,
  ) {}

  /** Writes one request's dead letters (all of one token), capped and within the token's budget. */
  async keep(items: readonly DeadLetter[], now = Date.now()): Promise<void> {
    if (items.length === 0) return;
    const kept: DeadLetter[] = [];
    const over = { lines: 0, bytes: 0, codes: new Map<string, number>() };
    for (const item of items) {
      const capped = this.cap(item);
      const cost = ROW_COST + capped.reason.length + sizeOf(capped.original);
      if (this.charge(item.tokenName ?? '', cost, now)) {
        kept.push(capped);
      } else {
        over.lines++;
        over.bytes += capped.originalBytes ?? 0;
        over.codes.set(item.code, (over.codes.get(item.code) ?? 0) + 1);
      }
    }
    if (over.lines > 0) {
      const first = items[0]!;
      const codes = [...over.codes].map(([code, n]) => `${n}× ${code}`).join(', ');
      kept.push({
        receivedAt: first.receivedAt,
        code: BUDGET_CODE,
        reason:
          `${over.lines} more rejected lines of this request (${codes}; ${over.bytes} bytes) were not kept: the ` +
          `token used its dead-letter budget of ${this.limits.budgetPerToken} bytes for today.`,
        original: '',
        originalBytes: over.bytes,
        ...(first.tokenName === undefined ? {} : { tokenName: first.tokenName }),
      });
    }
    await this.store.writeDeadLetters(kept);
  }

  /** The dead letter with its original cut to the limit, its full length and hash recorded. */
  private cap(item: DeadLetter): DeadLetter {
    const bytes = typeof item.original === 'string' ? Buffer.from(item.original, 'utf8') : item.original;
    const max = this.limits.maxOriginalBytes;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (bytes.length <= max) return { ...item, originalBytes: bytes.length, originalSha256: sha256 };
    const original = typeof item.original === 'string' ? utf8Prefix(bytes, max) : Buffer.from(bytes.subarray(0, max));
    return { ...item, original, originalBytes: bytes.length, originalSha256: sha256 };
  }

  /** Counts `cost` against the token's budget of the day; false when it does not fit any more. */
  private charge(token: string, cost: number, now: number): boolean {
    const day = Math.floor(now / DAY_MS);
    let entry = this.used.get(token);
    if (!entry || entry.day !== day) {
      // A new day: yesterday's entries of other tokens go too, so the map holds only today's senders.
      for (const [name, e] of this.used) if (e.day !== day) this.used.delete(name);
      entry = { day, bytes: 0 };
      this.used.set(token, entry);
    }
    if (entry.bytes + cost > this.limits.budgetPerToken) return false;
    entry.bytes += cost;
    return true;
  }
}

function sizeOf(original: string | Buffer): number {
  return typeof original === 'string' ? Buffer.byteLength(original) : original.length;
}

/** The longest prefix of UTF-8 `bytes` within `max` bytes that ends on a character boundary, as text. */
function utf8Prefix(bytes: Buffer, max: number): string {
  let end = max;
  // Continuation bytes are 10xxxxxx: step back to the start of the character the cut would split.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
