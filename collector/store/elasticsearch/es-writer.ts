import type { Client, estypes } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { StoreWriteMetrics } from '../../monitoring/store-write-metrics.js';
import { BoundedGate } from '../bounded-gate.js';
import type { StoredEvent } from '../ecs-document.js';
import type { DeadLetter, EventSink, WriteOutcome } from '../log-store.js';
import { StoreOverloadedError, StoreUnavailableError } from '../store-errors.js';
import { guardEs } from './es-errors.js';
import { deadLetterIndex } from '../daily-index.js';
import { BulkEncoder, subBulk, type BulkBuilder, type EncodedBulk } from './bulk-encoder.js';
import { isAcceptedTimestamp, outsideAcceptedTimes } from '../field-catalogue.js';

export interface EsWriterOptions {
  indexPrefix: string;
  bulkMaxEvents: number;
  bulkConcurrency: number;
  bulkMaxQueued: number;
}

/** What the write path reads of a bulk answer; `errors` comes first, which bulk-answer-serializer.ts relies on. */
export const BULK_FILTER = 'errors,items.*.status,items.*.error.type,items.*.error.reason';

/** Item-level 429s are retried this many times inside one ingest request before the sender is told to back off. */
const ITEM_RETRIES = 3;

/** The write path into Elasticsearch: bulk `create` with the event id as `_id` into daily indices, and dead letters. */
/**
 * A bulk request waiting to be sent: its bytes and which of the write's events its items are. Item i is event
 * `first + i` unless an event in between was refused (nearly never): then `positions` lists them. An array of every
 * item's position lived as long as its request waited for Elasticsearch, long enough to reach V8's old generation.
 */
interface PendingBulk {
  bulk: EncodedBulk;
  first: number;
  positions?: readonly number[];
}

/** The write's index of the bulk's item `i`. */
function positionOf(pending: PendingBulk, i: number): number {
  return pending.positions ? pending.positions[i]! : pending.first + i;
}

export class EsWriter {
  private readonly gate: BoundedGate;
  private readonly encoder: BulkEncoder;
  private metrics: StoreWriteMetrics | undefined;
  /**
   * Set while Elasticsearch refuses writes because its disk passed the flood-stage watermark (it puts a
   * read-only-allow-delete block on the indices); cleared by the next write that goes in.
   */
  diskFull: string | null = null;

  constructor(
    private readonly client: Client,
    private readonly options: EsWriterOptions,
    private readonly logger: Logger,
  ) {
    this.gate = new BoundedGate(options.bulkConcurrency, options.bulkMaxQueued);
    this.encoder = new BulkEncoder(options.indexPrefix);
  }

  /** Bulk latency and the bulk queue in the collector's `/metrics`. */
  registerMetrics(registry: Registry): void {
    const gate = this.gate;
    this.metrics = new StoreWriteMetrics(registry, { pending: () => gate.queued, active: () => gate.active });
  }

  /**
   * A write whose events are encoded into bulk bodies as they are added, so only bytes are kept: the documents (and
   * the caller's array of them, for `write`) can be collected at once, while the requests wait for a slot and for
   * Elasticsearch.
   */
  openWrite(): EventSink {
    const outcome: WriteOutcome = { accepted: 0, duplicates: 0, failures: [] };
    const bulks: PendingBulk[] = [];
    let builder: BulkBuilder | undefined;
    let first = 0;
    let items = 0;
    let positions: number[] | undefined;
    let added = 0;
    return {
      add: (event) => {
        const index = added++;
        // The same times as the embedded store accepts (field-catalogue.ts), so both stores store the same events.
        const timestamp = event.doc['@timestamp'];
        if (!isAcceptedTimestamp(timestamp)) {
          outcome.failures.push({
            index,
            code: 'STORE_REJECTED',
            reason: outsideAcceptedTimes('@timestamp', timestamp),
          });
          return;
        }
        if (!builder) {
          builder = this.encoder.start();
          first = index;
        }
        builder.add(event);
        if (positions) positions.push(index);
        else if (index !== first + items) {
          // An event refused above sits between this one and the last: from here on each position is listed.
          positions = Array.from({ length: items }, (_, i) => first + i);
          positions.push(index);
        }
        items++;
        if (items < this.options.bulkMaxEvents) return;
        bulks.push({ bulk: builder.finish(), first, positions });
        builder = undefined;
        items = 0;
        positions = undefined;
      },
      finish: () => {
        if (builder) bulks.push({ bulk: builder.finish(), first, positions });
        builder = undefined;
        return this.send(bulks, outcome);
      },
    };
  }

  /** Writes `events` (see openWrite). */
  write(events: readonly StoredEvent[]): Promise<WriteOutcome> {
    const sink = this.openWrite();
    for (const event of events) sink.add(event);
    return sink.finish();
  }

  private async send(bulks: PendingBulk[], outcome: WriteOutcome): Promise<WriteOutcome> {
    // Taken off the list as they go, so a sent body is let go of before the last chunk of a large request is answered.
    for (let next = bulks.shift(); next; next = bulks.shift()) {
      const pending = next;
      await this.gate.run(() => this.writeBulk(pending, outcome));
    }
    return outcome;
  }

  /** Writes one bulk request, retrying only the items Elasticsearch refused for load (429). */
  private async writeBulk(first: PendingBulk, outcome: WriteOutcome): Promise<void> {
    let pending: PendingBulk | undefined = first;
    for (let attempt = 0; pending; attempt++) {
      if (attempt > ITEM_RETRIES) {
        throw new StoreOverloadedError(
          `Elasticsearch refused ${pending.bulk.count} events for load; retry shortly.`,
          2,
        );
      }
      if (attempt > 0) await sleep(100 * 2 ** attempt);
      const sent: PendingBulk = pending;
      const bulk = sent.bulk;
      // Only what the item loop reads: the full response (index, id, shards, seq_no per item) costs more to parse
      // than to build the request.
      const timed = this.metrics?.startBulk();
      const response = await guardEs(this.logger, () =>
        this.client.transport.request<estypes.BulkResponse>({
          method: 'POST',
          path: '/_bulk',
          querystring: { filter_path: BULK_FILTER },
          bulkBody: bulk.body,
        }),
      ).finally(timed);
      if (response.errors === false && response.items === undefined) {
        // Every item went in: the store's client does not read the items of such an answer (bulk-answer-serializer.ts).
        outcome.accepted += bulk.count;
        bulk.release();
        pending = undefined;
        continue;
      }
      const retry: number[] = [];
      const blocked = response.items.find((item) => item.create?.error?.type === 'cluster_block_exception');
      if (blocked) {
        // Retrying cannot help until space is freed: the sender keeps the events and comes back later.
        this.diskFull = `Elasticsearch refuses writes: ${blocked.create?.error?.reason ?? 'an index is blocked'}`;
        const err = new StoreUnavailableError(this.diskFull, 10);
        err.details.store_error = 'STORE_DISK_FULL';
        throw err;
      }
      this.diskFull = null;
      response.items.forEach((item, i) => {
        const result = item.create;
        const index = positionOf(sent, i);
        if (!result) return;
        if (result.status === 201 || result.status === 200) outcome.accepted++;
        else if (result.status === 409) {
          outcome.duplicates++;
          (outcome.duplicateIndexes ??= []).push(index);
        } else if (result.status === 429) retry.push(i);
        else if (result.status >= 500) {
          throw new StoreUnavailableError(`Elasticsearch failed an item with status ${result.status}.`);
        } else {
          const reason = result.error
            ? `${result.error.type}: ${result.error.reason ?? ''}`
            : `status ${result.status}`;
          outcome.failures.push({ index, code: 'STORE_REJECTED', reason });
        }
      });
      pending = retry.length
        ? { bulk: subBulk(bulk, retry), first: 0, positions: retry.map((i) => positionOf(sent, i)) }
        : undefined;
      // Answered, and the retry cut from it: Elasticsearch has read the body, whose memory can serve the next request.
      bulk.release();
    }
  }

  async writeDeadLetters(items: readonly DeadLetter[]): Promise<void> {
    if (items.length === 0) return;
    const operations: unknown[] = [];
    for (const item of items) {
      operations.push({ index: { _index: deadLetterIndex(this.options.indexPrefix, item.receivedAt) } });
      const isText = typeof item.original === 'string';
      operations.push({
        '@timestamp': item.receivedAt,
        error: { code: item.code, message: item.reason },
        token: item.tokenName ? { name: item.tokenName } : undefined,
        event: {
          ...(isText ? { original: item.original } : { original_base64: (item.original as Buffer).toString('base64') }),
          original_bytes: item.originalBytes,
          original_sha256: item.originalSha256,
        },
      });
    }
    const response = await guardEs(this.logger, () => this.client.bulk({ operations }));
    if (response.errors) {
      // A dead letter that cannot be stored must not be acknowledged: the sender keeps it and retries.
      throw new StoreUnavailableError('Elasticsearch refused dead letters; the request must be retried.');
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
