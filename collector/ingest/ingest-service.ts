import type { IngestResult } from '../../protocol/ingest-result.js';
import { PER_REQUEST, type LineDelays } from '../clock/line-delays.js';
import type { StoredEvent } from '../store/ecs-document.js';
import { openWrite, type LogStore, type WriteOutcome } from '../store/log-store.js';
import { DeadLetterKeeper } from './dead-letter-keeper.js';
import { BufferPool } from '../store/buffer-pool.js';
import { forEachNdjsonLine } from './decode-ndjson.js';
import { LineOriginals } from './line-originals.js';
import { StoredSample, type IngestMetrics } from './ingest-metrics.js';
import type { RejectedLine } from './ingest-codes.js';
import { normalizeEvent } from './normalize-event.js';

/** At most this many per-line errors are listed in one answer; `rejected` still counts them all. */
const MAX_LISTED_ERRORS = 1000;

/** JSON envelope allowance on top of the message limit, so an event at the limit is not refused as a line. */
const ENVELOPE_BYTES = 64 * 1024;

const NOTHING_WRITTEN: WriteOutcome = { accepted: 0, duplicates: 0, failures: [] };

export interface IngestLimits {
  maxMessageBytes: number;
}

/**
 * decode → normalise → store, then dead letters: the answer is built only after the store acknowledged every
 * event and every rejected line is kept, so a 200 means nothing of the request can be lost.
 */
export class IngestService {
  /** Memory for the lines of requests waiting on the store (line-originals.ts). */
  private readonly linePool = new BufferPool(8);

  constructor(
    private readonly store: LogStore,
    private readonly limits: IngestLimits,
    private readonly metrics?: IngestMetrics,
    private readonly deadLetters: DeadLetterKeeper = new DeadLetterKeeper(store),
    private readonly lineDelays?: LineDelays,
  ) {}

  /**
   * Ingests one NDJSON body on behalf of a token; `bodyAgain`, when given, gives the same bytes again later (from a
   * compressed body) and `body` may be reused once this returns. Each line is decoded, normalised and handed to the store before the
   * next, and only `finish` waits: the body and the documents are not held while the store works (the Elasticsearch
   * store keeps just the encoded bulk bytes), which is most of the collector's memory under load. One line at a time
   * also means a young-generation collection during a request finds one event's objects alive, not thousands, so
   * they are not moved to the old generation to wait for a full collection there.
   */
  ingest(body: Buffer, tokenName?: string, bodyAgain?: () => Buffer): Promise<IngestResult> {
    const now = new Date().toISOString();
    const context = { now, nowMs: Date.parse(now), maxMessageBytes: this.limits.maxMessageBytes };
    const rejected: RejectedLine[] = [];
    const eventLines = new LineOriginals();
    // An event taken out of the counts (refused, or a duplicate) finds its size again from its line.
    const sample = this.metrics && new StoredSample((i) => Buffer.byteLength(eventLines.original(i)));
    const sink = openWrite(this.store);
    let events = 0;
    forEachNdjsonLine(body, this.limits.maxMessageBytes + ENVELOPE_BYTES, rejected, (line) => {
      const result = normalizeEvent(line, context);
      if (!('doc' in result)) {
        rejected.push(result);
        return;
      }
      if (this.lineDelays && events < PER_REQUEST) noteLineDelay(result, this.lineDelays);
      sample?.add(result, line.bytes);
      eventLines.add(line);
      sink.add(result);
      events++;
    });
    // A compressed body can be inflated again for the rare refused event: no copy of its lines is held meanwhile.
    if (bodyAgain) eventLines.keepRereadable(bodyAgain);
    else eventLines.keep(body, this.linePool);
    const stopTimer = this.metrics?.storeWrite.startTimer();
    const written = events ? sink.finish() : Promise.resolve(NOTHING_WRITTEN);
    return this.finish(written, eventLines, rejected, now, tokenName, stopTimer, sample);
  }

  private async finish(
    written: Promise<WriteOutcome>,
    eventLines: LineOriginals,
    rejected: RejectedLine[],
    now: string,
    tokenName: string | undefined,
    stopTimer: (() => void) | undefined,
    sample: StoredSample | undefined,
  ): Promise<IngestResult> {
    let outcome: WriteOutcome;
    try {
      outcome = await written;
      stopTimer?.();
      if (sample) this.metrics?.stored(sample, outcome, tokenName);
      for (const { index, reason } of outcome.failures) {
        rejected.push({
          line: eventLines.line(index),
          code: 'STORE_REJECTED',
          reason,
          original: eventLines.original(index),
        });
      }
    } finally {
      eventLines.release();
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
 * Notes how long after its line time the shipper read one of a request's first events (for the clock cross-check).
 * An event whose time is its read time had no time in its line and says nothing.
 */
function noteLineDelay(event: StoredEvent, delays: LineDelays): void {
  const doc = event.doc;
  const created = doc.event.created;
  const host = doc.host?.name;
  if (!created || !host || created === doc['@timestamp']) return;
  delays.record(host, Date.parse(created) - Date.parse(doc['@timestamp']));
}
