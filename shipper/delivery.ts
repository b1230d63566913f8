import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { IngestResult } from '../protocol/ingest-result.js';
import { decideRetry } from './retry-policy.js';
import type { NdjsonBatch } from './ndjson-batch.js';

/** How a batch ended. */
export interface DeliveryOutcome {
  accepted: number;
  duplicates: number;
  /** Refused per event by the collector (kept in its dead-letter store). */
  rejected: number;
  /** Given up on by the shipper after the collector refused the event alone with 400/413. */
  dropped: number;
  /** True when the shipper stopped before the batch was acknowledged: nothing may be committed for it. */
  aborted: boolean;
}

/** What deliverBatch needs. */
export interface DeliveryContext {
  send: (batch: NdjsonBatch, signal: AbortSignal) => Promise<IngestResult>;
  logger: Logger;
  signal: AbortSignal;
  random?: () => number;
  /** Called before each retry of a failed send (metrics). */
  onRetry?: () => void;
}

const ABORTED: DeliveryOutcome = { accepted: 0, duplicates: 0, rejected: 0, dropped: 0, aborted: true };

function add(a: DeliveryOutcome, b: DeliveryOutcome): DeliveryOutcome {
  return {
    accepted: a.accepted + b.accepted,
    duplicates: a.duplicates + b.duplicates,
    rejected: a.rejected + b.rejected,
    dropped: a.dropped + b.dropped,
    aborted: a.aborted || b.aborted,
  };
}

/** Where an event came from, for log messages about it. */
function describeEvent(line: string): Record<string, unknown> {
  try {
    const e = JSON.parse(line) as { id?: unknown; source?: unknown; offset?: unknown };
    return { id: e.id, source: e.source, offset: e.offset };
  } catch {
    return {};
  }
}

/**
 * Sends one batch until the collector acknowledges it: retries what can succeed later (backoff, Retry-After),
 * keeps retrying slowly on auth errors instead of dropping data, and splits a batch refused as a whole (400/413)
 * in halves so one bad event cannot block the rest; only an event refused alone is given up. Resolves with
 * `aborted` when the shipper stops first.
 */
export async function deliverBatch(batch: NdjsonBatch, ctx: DeliveryContext): Promise<DeliveryOutcome> {
  for (let attempt = 0; ; attempt++) {
    if (ctx.signal.aborted) return ABORTED;
    let err: unknown;
    try {
      const result = await ctx.send(batch, ctx.signal);
      if (result.rejected > 0) {
        ctx.logger.warn(
          { rejected: result.rejected, errors: result.errors.slice(0, 10) },
          'The collector rejected some events and kept them in its dead-letter store.',
        );
      }
      return {
        accepted: result.accepted,
        duplicates: result.duplicates,
        rejected: result.rejected,
        dropped: 0,
        aborted: false,
      };
    } catch (e) {
      err = e;
    }
    const decision = decideRetry(err, attempt, ctx.random);
    const message = (err as Error).message;
    if (decision.kind === 'abort') return ABORTED;
    if (decision.kind === 'split') {
      if (batch.count === 1) {
        ctx.logger.error(
          { reason: message, ...describeEvent(batch.line(0)) },
          'The collector refused a single event; dropping it (likely a bug in the shipper or the collector).',
        );
        return { accepted: 0, duplicates: 0, rejected: 0, dropped: 1, aborted: false };
      }
      ctx.logger.error(
        { reason: message, events: batch.count },
        'The collector refused a whole batch; sending it in halves to isolate the bad event.',
      );
      const [head, tail] = batch.splitAt(batch.count >>> 1);
      const first = await deliverBatch(head, ctx);
      if (first.aborted) return ABORTED;
      const second = await deliverBatch(tail, ctx);
      return add(first, second);
    }
    const code = (err as { code?: unknown }).code;
    const details = { code, reason: message, attempt: attempt + 1, retry_in_ms: decision.delayMs, events: batch.count };
    if (decision.loud) {
      ctx.logger.error(details, 'The collector refused the shipper; check collectors, token and TLS. Retrying slowly.');
    } else {
      ctx.logger.warn(details, 'Sending a batch failed; retrying.');
    }
    ctx.onRetry?.();
    try {
      await sleep(decision.delayMs, undefined, { signal: ctx.signal });
    } catch {
      return ABORTED;
    }
  }
}
