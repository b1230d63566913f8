import { Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import type { StoredEvent } from '../ecs-document.js';
import type { DeadLetter, LogStore, SearchPage, SearchRequest, WriteOutcome } from '../log-store.js';
import { guardEs } from './es-errors.js';
import { EsSearch } from './es-search.js';
import { EsWriter } from './es-writer.js';
import { deadLetterTemplate, eventTemplate } from './index-templates.js';

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

/** The Elasticsearch implementation of LogStore: templates here, writes in EsWriter, reads in EsSearch. */
export class EsStore implements LogStore {
  readonly client: Client;
  private readonly writer: EsWriter;
  private readonly reader: EsSearch;

  constructor(
    private readonly options: EsStoreOptions,
    private readonly logger: Logger,
  ) {
    // maxRetries 0: retrying is the sender's job (it holds the data); a hidden retry here would only add latency.
    this.client = new Client({ node: options.url, requestTimeout: options.requestTimeoutMs, maxRetries: 0 });
    this.writer = new EsWriter(this.client, options, logger);
    this.reader = new EsSearch(this.client, options, logger);
  }

  async init(): Promise<void> {
    const { indexPrefix: prefix, replicas } = this.options;
    await guardEs(this.logger, async () => {
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

  write(events: readonly StoredEvent[]): Promise<WriteOutcome> {
    return this.writer.write(events);
  }

  writeDeadLetters(items: readonly DeadLetter[]): Promise<void> {
    return this.writer.writeDeadLetters(items);
  }

  search(request: SearchRequest): Promise<SearchPage> {
    return this.reader.search(request);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
