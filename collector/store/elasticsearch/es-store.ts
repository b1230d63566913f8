import { Client, errors } from '@elastic/elasticsearch';
import type { estypes } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { compileElasticsearch } from '../../query/compile-elasticsearch.js';
import { BoundedGate } from '../bounded-gate.js';
import { toHit, type EcsDocument, type StoredEvent } from '../ecs-document.js';
import type { DeadLetter, LogStore, SearchPage, SearchRequest, SortKey, WriteOutcome } from '../log-store.js';
import { StoreOverloadedError, StoreUnavailableError } from '../store-errors.js';
import { dailyIndex, deadLetterIndex, deadLetterTemplate, eventTemplate, searchPattern } from './index-templates.js';

export interface EsStoreOptions {
  url: string;
  indexPrefix: string;
  replicas: number;
  bulkMaxEvents: number;
  bulkConcurrency: number;
  bulkMaxQueued: number;
  requestTimeoutMs: number;
  searchTimeoutMs: number;
  exactTotalUpTo: number;
}

/** Item-level 429s are retried this many times inside one ingest request before the sender is told to back off. */
const ITEM_RETRIES = 3;

/** The Elasticsearch implementation of LogStore: daily indices, bulk `create` with the event id as `_id`. */
export class EsStore implements LogStore {
  readonly client: Client;
  private readonly gate: BoundedGate;

  constructor(
    private readonly options: EsStoreOptions,
    private readonly logger: Logger,
  ) {
    this.client = new Client({ node: options.url, requestTimeout: options.requestTimeoutMs, maxRetries: 0 });
    this.gate = new BoundedGate(options.bulkConcurrency, options.bulkMaxQueued);
  }

  async init(): Promise<void> {
    const { indexPrefix: prefix, replicas } = this.options;
    await this.guard(async () => {
      await this.client.indices.putIndexTemplate(eventTemplate(prefix, replicas));
      await this.client.indices.putIndexTemplate(deadLetterTemplate(prefix, replicas));
    });
  }

  async ready(): Promise<boolean> {
    try {
      // The minimal distribution has no `GET /`, so the client's ping() fails: cluster health is the probe.
      const health = await this.client.cluster.health({ timeout: '2s' }, { requestTimeout: 3000 });
      return health.status !== 'red';
    } catch {
      return false;
    }
  }

  async write(events: readonly StoredEvent[]): Promise<WriteOutcome> {
    const outcome: WriteOutcome = { accepted: 0, duplicates: 0, failures: [] };
    for (let start = 0; start < events.length; start += this.options.bulkMaxEvents) {
      const chunk = events.slice(start, start + this.options.bulkMaxEvents);
      await this.gate.run(() => this.writeChunk(chunk, start, outcome));
    }
    return outcome;
  }

  /** Writes one bulk request, retrying only the items Elasticsearch refused for load (429). */
  private async writeChunk(chunk: readonly StoredEvent[], base: number, outcome: WriteOutcome): Promise<void> {
    let pending = chunk.map((event, i) => ({ event, index: base + i }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > ITEM_RETRIES) {
        throw new StoreOverloadedError(`Elasticsearch refused ${pending.length} events for load; retry shortly.`, 2);
      }
      if (attempt > 0) await sleep(100 * 2 ** attempt);
      const operations: unknown[] = [];
      for (const { event } of pending) {
        operations.push({
          create: { _index: dailyIndex(this.options.indexPrefix, event.doc['@timestamp']), _id: event.id },
        });
        operations.push(event.doc);
      }
      const response = await this.guard(() => this.client.bulk({ operations }));
      const retry: typeof pending = [];
      response.items.forEach((item, i) => {
        const result = item.create;
        const entry = pending[i]!;
        if (!result) return;
        if (result.status === 201 || result.status === 200) outcome.accepted++;
        else if (result.status === 409) outcome.duplicates++;
        else if (result.status === 429) retry.push(entry);
        else if (result.status >= 500) {
          throw new StoreUnavailableError(`Elasticsearch failed an item with status ${result.status}.`);
        } else {
          const reason = result.error
            ? `${result.error.type}: ${result.error.reason ?? ''}`
            : `status ${result.status}`;
          outcome.failures.push({ index: entry.index, code: 'STORE_REJECTED', reason });
        }
      });
      pending = retry;
    }
  }

  async writeDeadLetters(items: readonly DeadLetter[]): Promise<void> {
    if (items.length === 0) return;
    const operations: unknown[] = [];
    for (const item of items) {
      operations.push({ index: { _index: deadLetterIndex(this.options.indexPrefix) } });
      const isText = typeof item.original === 'string';
      operations.push({
        '@timestamp': item.receivedAt,
        error: { code: item.code, message: item.reason },
        token: item.tokenName ? { name: item.tokenName } : undefined,
        event: isText ? { original: item.original } : { original_base64: (item.original as Buffer).toString('base64') },
      });
    }
    const response = await this.guard(() => this.client.bulk({ operations }));
    if (response.errors) {
      // A dead letter that cannot be stored must not be acknowledged: the sender keeps it and retries.
      throw new StoreUnavailableError('Elasticsearch refused dead letters; the request must be retried.');
    }
  }

  async search(request: SearchRequest): Promise<SearchPage> {
    const order = request.order;
    const sort: estypes.Sort = [
      { '@timestamp': { order } },
      { 'host.name': { order, missing: order === 'asc' ? '_first' : '_last' } },
      { 'log.file.path': { order, missing: order === 'asc' ? '_first' : '_last' } },
      { 'log.offset': { order, missing: order === 'asc' ? '_first' : '_last' } },
      { 'event.id': { order } },
    ];
    const response = await this.guard(() =>
      this.client.search<EcsDocument>({
        index: searchPattern(this.options.indexPrefix),
        ignore_unavailable: true,
        allow_no_indices: true,
        timeout: `${this.options.searchTimeoutMs}ms`,
        size: request.limit,
        track_total_hits: this.options.exactTotalUpTo,
        sort,
        ...(request.after ? { search_after: [...request.after] as estypes.SortResults } : {}),
        query: {
          bool: {
            filter: [
              { range: { '@timestamp': { gte: request.from.toISOString(), lte: request.to.toISOString() } } },
              compileElasticsearch(request.query) as estypes.QueryDslQueryContainer,
            ],
          },
        },
      }),
    );
    const hits = response.hits.hits.map((h) => toHit(h._id!, h._source!));
    const last = response.hits.hits.at(-1);
    const total = response.hits.total;
    const totalValue = typeof total === 'number' ? total : (total?.value ?? hits.length);
    const relation = typeof total === 'object' && total.relation === 'gte' ? 'gte' : 'eq';
    return {
      hits,
      lastKey: hits.length === request.limit && last?.sort ? (last.sort as SortKey) : null,
      total: { value: totalValue, relation },
      tookMs: response.took,
    };
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Maps transport failures to StoreUnavailableError (503) so senders retry; anything else is a bug and rises. */
  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (
        err instanceof errors.ConnectionError ||
        err instanceof errors.TimeoutError ||
        err instanceof errors.NoLivingConnectionsError
      ) {
        this.logger.warn({ err: err.message }, 'Elasticsearch is unreachable.');
        throw new StoreUnavailableError(`Elasticsearch is unreachable: ${err.message}`);
      }
      if (err instanceof errors.ResponseError && (err.statusCode === 429 || (err.statusCode ?? 0) >= 500)) {
        if (err.statusCode === 429) throw new StoreOverloadedError('Elasticsearch is overloaded; retry shortly.');
        throw new StoreUnavailableError(`Elasticsearch answered ${err.statusCode}.`);
      }
      throw err;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
