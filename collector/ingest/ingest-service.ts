import type { IngestResult } from '../../protocol/ingest-result.js';
import { PER_REQUEST, type LineDelays } from '../clock/line-delays.js';
import type { StoredEvent } from '../store/ecs-document.js';
import type { LogStore } from '../store/log-store.js';
import { DeadLetterKeeper } from './dead-letter-keeper.js';
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
    private readonly deadLetters: DeadLetterKeeper = new DeadLetterKeeper(store),
    private readonly lineDelays?: LineDelays,
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
    if (this.lineDelays) noteLineDelays(events, this.lineDelays);
    const stopTimer = this.metrics?.storeWrite.startTimer();
    const outcome = events.length ? await this.store.write(events) : { accepted: 0, duplicates: 0, failures: [] };
    stopTimer?.();
    this.metrics?.stored(events, outcome, tokenName, (i) => Buffer.byteLength(eventLines[i]!.text));
    for (const failure of outcome.failures) {
      const source = eventLines[failure.index]!;
      rejected.push({ line: source.line, code: 'STORE_REJECTED', reason: failure.reason, original: source.text });
    }
    rejected.sort((a, b) => a.line - b.line);
    await this.deadLetters.keep(
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

/**
 * Notes how long after its line time the shipper read each of the first events (for the clock cross-check). An
 * event whose time is its read time had no time in its line and says nothing.
 */
function noteLineDelays(events: readonly StoredEvent[], delays: LineDelays): void {
  const n = Math.min(events.length, PER_REQUEST);
  for (let i = 0; i < n; i++) {
    const doc = events[i]!.doc;
    const created = doc.event.created;
    const host = doc.host?.name;
    if (!created || !host || created === doc['@timestamp']) continue;
    delays.record(host, Date.parse(created) - Date.parse(doc['@timestamp']));
  }
}
