import type { IngestResult } from '../../protocol/ingest-result.js';
import type { StoredEvent } from '../store/ecs-document.js';
import type { LogStore } from '../store/log-store.js';
import { decodeNdjson } from './decode-ndjson.js';
import type { IngestMetrics } from './ingest-metrics.js';
import type { RejectedLine } from './ingest-codes.js';
import { normalizeEvent } from './normalize-event.js';

/** At most this many per-line errors are listed in one answer; `rejected` still counts them all. */
const MAX_LISTED_ERRORS = 1000;

/** JSON envelope allowance on top of the message limit, so an event at the limit is not refused as a line. */
const ENVELOPE_BYTES = 64 * 1024;

export interface IngestLimits {
  maxMessageBytes: number;
}

/**
 * decode → normalise → store, then dead letters: the answer is built only after the store acknowledged every
 * event and every rejected line is kept, so a 200 means nothing of the request can be lost.
 */
export class IngestService {
  constructor(
    private readonly store: LogStore,
    private readonly limits: IngestLimits,
    private readonly metrics?: IngestMetrics,
  ) {}

  /** Ingests one NDJSON body on behalf of a token. */
  async ingest(body: Buffer, tokenName?: string): Promise<IngestResult> {
    const now = new Date().toISOString();
    const nowMs = Date.parse(now);
    const { lines, rejected } = decodeNdjson(body, this.limits.maxMessageBytes + ENVELOPE_BYTES);
    const events: StoredEvent[] = [];
    const eventLines: { line: number; text: string }[] = [];
    for (const line of lines) {
      const result = normalizeEvent(line, { now, nowMs, maxMessageBytes: this.limits.maxMessageBytes });
      if ('doc' in result) {
        events.push(result);
        eventLines.push({ line: line.line, text: line.text });
      } else {
        rejected.push(result);
      }
    }
    const stopTimer = this.metrics?.storeWrite.startTimer();
    const outcome = events.length ? await this.store.write(events) : { accepted: 0, duplicates: 0, failures: [] };
    stopTimer?.();
    this.metrics?.stored(events, outcome, tokenName, (i) => Buffer.byteLength(eventLines[i]!.text));
    for (const failure of outcome.failures) {
      const source = eventLines[failure.index]!;
      rejected.push({ line: source.line, code: 'STORE_REJECTED', reason: failure.reason, original: source.text });
    }
    rejected.sort((a, b) => a.line - b.line);
    await this.store.writeDeadLetters(
      rejected.map((r: RejectedLine) => ({
        receivedAt: now,
        code: r.code,
        reason: r.reason,
        original: r.original,
        tokenName,
      })),
    );
    this.metrics?.counted(outcome.accepted, outcome.duplicates, rejected);
    return {
      accepted: outcome.accepted,
      duplicates: outcome.duplicates,
      rejected: rejected.length,
      errors: rejected.slice(0, MAX_LISTED_ERRORS).map(({ line, code, reason }) => ({ line, code, reason })),
    };
  }
}
