import type { DeadLetterEntry } from '../../protocol/dead-letter.js';
import { CollectorError } from '../collector-error.js';
import type { EmbeddedStore } from './embedded/embedded-store.js';
import type { DeadLetter, LogStore, WriteOutcome } from './log-store.js';
import { MigrationError } from './migration-error.js';
import type { StoredEvent } from './ecs-document.js';

/** What a migration did: every event read is stored, a duplicate (already in the target) or failed. */
export interface MigrationCounts {
  read: number;
  stored: number;
  duplicates: number;
  failed: number;
}

export interface MigrationProgress {
  phase: 'events' | 'dead letters';
  counts: MigrationCounts;
}

/** Where events are migrated from: the embedded store's read of whole stored events. */
export type EventSource = Pick<EmbeddedStore, 'exportEvents'>;

export interface EventMigrationOptions {
  /** Event time window (inclusive). */
  from: Date;
  to: Date;
  /** Events read and written per page. */
  pageSize: number;
  onProgress?: (progress: MigrationProgress) => void;
  /** An event the target refused for good (e.g. a mapping conflict). */
  onFailure?: (id: string, code: string, reason: string) => void;
  /** Waits before retrying a write the target could not take now; tests shorten it. */
  retryDelayMs?: (attempt: number, retryAfterSeconds: number | undefined) => number;
}

export interface DeadLetterMigrationOptions extends Pick<
  EventMigrationOptions,
  'from' | 'to' | 'onProgress' | 'retryDelayMs'
> {
  /** The run's start: dead letters are received at real clock times, none after tomorrow. */
  now: Date;
}

/** A write the target answered 429/503 for is retried this many times before the migration stops. */
const WRITE_ATTEMPTS = 8;
/** Dead letters listed at once; a window holding more is split in two. */
const DEAD_LETTER_PAGE = 5000;
/** Dead letters written per request. */
const DEAD_LETTER_WRITE = 1000;
const DAY_MS = 86_400_000;

const zero = (): MigrationCounts => ({ read: 0, stored: 0, duplicates: 0, failed: 0 });

/**
 * Copies every event of `source` in the window into `target`, oldest first, page by page, as the documents were
 * written (format, ingest and read times included). Writes keep the event id, so a second run (or one after an
 * interruption) stores nothing twice: the target counts those events as duplicates. One page is written while the
 * next is read, so the reader never runs further ahead.
 */
export async function migrateEvents(
  source: EventSource,
  target: LogStore,
  options: EventMigrationOptions,
): Promise<MigrationCounts> {
  const counts = zero();
  let after: bigint | null = null;
  let writing: Promise<void> = Promise.resolve();
  let writeError: unknown;
  do {
    const page = await source.exportEvents({ from: options.from, to: options.to, after, limit: options.pageSize });
    await writing;
    if (writeError) throw writeError;
    const { events } = page;
    counts.read += events.length;
    writing = writeWithRetry(target, events, options)
      .then((outcome) => {
        counts.stored += outcome.accepted;
        counts.duplicates += outcome.duplicates;
        counts.failed += outcome.failures.length;
        for (const f of outcome.failures) options.onFailure?.(events[f.index]?.id ?? '?', f.code, f.reason);
        options.onProgress?.({ phase: 'events', counts: { ...counts } });
      })
      .catch((err: unknown) => {
        writeError = err;
      });
    after = page.next;
  } while (after !== null);
  await writing;
  if (writeError) throw writeError;
  return counts;
}

/** Writes one page; a 429/503 from the target (overload, a node restarting) is retried with capped backoff. */
async function writeWithRetry(
  target: LogStore,
  events: readonly StoredEvent[],
  options: Pick<EventMigrationOptions, 'retryDelayMs'>,
): Promise<WriteOutcome> {
  if (events.length === 0) return { accepted: 0, duplicates: 0, failures: [] };
  return retrying(() => target.write(events), options);
}

async function retrying<T>(work: () => Promise<T>, options: Pick<EventMigrationOptions, 'retryDelayMs'>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const retryable = err instanceof CollectorError && (err.status === 429 || err.status === 503);
      if (!retryable || attempt >= WRITE_ATTEMPTS) throw err;
      const delay = (options.retryDelayMs ?? backoff)(attempt, err.retryAfter);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** Exponential from 0.5 s, capped at 30 s, with jitter; never shorter than the target's Retry-After. */
function backoff(attempt: number, retryAfterSeconds: number | undefined): number {
  const exp = Math.min(30_000, 500 * 2 ** (attempt - 1));
  return Math.max((retryAfterSeconds ?? 0) * 1000, exp / 2 + Math.random() * (exp / 2));
}

/**
 * Copies the dead letters received in the window that the target does not hold yet. Dead letters have no id to
 * write with, so they are matched by content (time, code, reason, token, original): running it again stores none
 * twice. Windows holding more than a page are split in halves until each is listed whole on both sides.
 */
export async function migrateDeadLetters(
  source: LogStore,
  target: LogStore,
  options: DeadLetterMigrationOptions,
): Promise<MigrationCounts> {
  const counts = zero();
  // Received times are real clock times: outside [1970, tomorrow] there are none, and Elasticsearch's date range
  // would not parse the extreme dates an unbounded event window uses.
  const fromMs = Math.max(0, options.from.getTime());
  const toMs = Math.min(options.to.getTime(), options.now.getTime() + DAY_MS);
  if (fromMs > toMs) return counts;
  const windows: [number, number][] = [[fromMs, toMs]];
  while (windows.length > 0) {
    const [a, b] = windows.pop()!;
    const query = { from: new Date(a), to: new Date(b), limit: DEAD_LETTER_PAGE, codes: [] };
    const [have, already] = await Promise.all([source.listDeadLetters(query), target.listDeadLetters(query)]);
    const whole = (page: typeof have) => page.total.relation === 'eq' && page.dead_letters.length === page.total.value;
    if (!whole(have) || !whole(already)) {
      if (a === b) {
        throw new MigrationError(
          'MIGRATE_DEAD_LETTERS_TOO_DENSE',
          `More than ${DEAD_LETTER_PAGE} dead letters were received at ${new Date(a).toISOString()}.`,
          500,
        );
      }
      const mid = a + Math.floor((b - a) / 2);
      // A stack: the older half, pushed last, is copied first.
      windows.push([mid + 1, b], [a, mid]);
      continue;
    }
    const held = new Map<string, number>();
    for (const entry of already.dead_letters) held.set(deadLetterKey(entry), (held.get(deadLetterKey(entry)) ?? 0) + 1);
    const missing: DeadLetter[] = [];
    // Oldest first, as the events.
    for (const entry of [...have.dead_letters].reverse()) {
      counts.read++;
      const key = deadLetterKey(entry);
      const n = held.get(key) ?? 0;
      if (n > 0) {
        held.set(key, n - 1);
        counts.duplicates++;
      } else missing.push(toDeadLetter(entry));
    }
    for (let i = 0; i < missing.length; i += DEAD_LETTER_WRITE) {
      const chunk = missing.slice(i, i + DEAD_LETTER_WRITE);
      await retrying(() => target.writeDeadLetters(chunk), options);
      counts.stored += chunk.length;
    }
    options.onProgress?.({ phase: 'dead letters', counts: { ...counts } });
  }
  return counts;
}

function deadLetterKey(entry: DeadLetterEntry): string {
  return JSON.stringify([
    Date.parse(entry.received_at),
    entry.code,
    entry.reason,
    entry.token ?? null,
    entry.original ?? null,
    entry.original_base64 ?? null,
  ]);
}

function toDeadLetter(entry: DeadLetterEntry): DeadLetter {
  const letter: DeadLetter = {
    receivedAt: entry.received_at,
    code: entry.code,
    reason: entry.reason,
    original:
      entry.original_base64 !== undefined ? Buffer.from(entry.original_base64, 'base64') : (entry.original ?? ''),
  };
  if (entry.token !== null) letter.tokenName = entry.token;
  if (entry.original_bytes !== undefined) letter.originalBytes = entry.original_bytes;
  if (entry.original_sha256 !== undefined) letter.originalSha256 = entry.original_sha256;
  return letter;
}
