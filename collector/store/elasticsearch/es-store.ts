import { Client } from '@elastic/elasticsearch';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { StoredEvent } from '../ecs-document.js';
import type { DeadLetterPage } from '../../../protocol/dead-letter.js';
import type {
  DeadLetter,
  DeadLetterQuery,
  LogStore,
  RetentionOutcome,
  RetentionPolicy,
  SearchPage,
  SearchRequest,
  WriteOutcome,
} from '../log-store.js';
import { EsMaintenance } from './es-maintenance.js';
import type { Heartbeat } from '../../../protocol/heartbeat.js';
import type * as Read from '../read-model.js';
import { esContext } from './es-context.js';
import { esFields, esTopValues } from './es-fields.js';
import { esHistogram } from './es-histogram.js';
import { esHosts, esRecordHeartbeat } from './es-hosts.js';
import type { EsReadContext } from './es-read.js';
import { esTail, esTailCount } from './es-tail.js';
import { guardEs } from './es-errors.js';
import { EsSearch } from './es-search.js';
import { EsWriter } from './es-writer.js';
import { deadLetterTemplate, eventTemplate, hostsTemplate } from './index-templates.js';

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
  private readonly readContext: EsReadContext;
  private readonly maintenance: EsMaintenance;

  constructor(
    private readonly options: EsStoreOptions,
    private readonly logger: Logger,
  ) {
    // maxRetries 0: retrying is the sender's job (it holds the data); a hidden retry here would only add latency.
    this.client = new Client({ node: options.url, requestTimeout: options.requestTimeoutMs, maxRetries: 0 });
    this.writer = new EsWriter(this.client, options, logger);
    this.maintenance = new EsMaintenance(this.client, options.indexPrefix, logger);
    this.readContext = {
      client: this.client,
      indexPrefix: options.indexPrefix,
      searchTimeoutMs: options.searchTimeoutMs,
      logger,
    };
    this.reader = new EsSearch(this.readContext, options.exactTotalUpTo);
  }

  async init(): Promise<void> {
    const { indexPrefix: prefix, replicas } = this.options;
    await guardEs(this.logger, async () => {
      await this.client.indices.putIndexTemplate(eventTemplate(prefix, replicas));
      await this.client.indices.putIndexTemplate(deadLetterTemplate(prefix, replicas));
      await this.client.indices.putIndexTemplate(hostsTemplate(prefix, replicas));
    });
  }

  async ready(): Promise<boolean> {
    try {
      // The minimal distribution has no `GET /`, so the client's ping() fails: cluster health is the probe.
      const health = await this.client.cluster.health({ timeout: '2s' }, { requestTimeout: 3000 });
      if (health.status === 'red') return false;
      if (this.writer.diskFull !== null && (await this.writeBlocked())) return false;
      this.writer.diskFull = null;
      return true;
    } catch {
      return false;
    }
  }

  /** Why the store is not ready, when a write told: the flood-stage block of a full disk. */
  readinessProblem(): { code: string; message: string } | null {
    return this.writer.diskFull === null ? null : { code: 'STORE_DISK_FULL', message: this.writer.diskFull };
  }

  /** Whether an event index still carries the block Elasticsearch puts on indices when its disk fills. */
  private async writeBlocked(): Promise<boolean> {
    const settings = await this.client.indices.getSettings(
      {
        index: `${this.options.indexPrefix}-*`,
        name: 'index.blocks.read_only_allow_delete',
        flat_settings: true,
        ignore_unavailable: true,
        allow_no_indices: true,
      },
      { requestTimeout: 3000 },
    );
    return Object.values(settings).some(
      (index) => String(index.settings?.['index.blocks.read_only_allow_delete'] ?? 'false') === 'true',
    );
  }

  registerMetrics(registry: Registry): void {
    this.writer.registerMetrics(registry);
  }

  write(events: readonly StoredEvent[]): Promise<WriteOutcome> {
    return this.writer.write(events);
  }

  writeDeadLetters(items: readonly DeadLetter[]): Promise<void> {
    return this.writer.writeDeadLetters(items);
  }

  listDeadLetters(query: DeadLetterQuery): Promise<DeadLetterPage> {
    return this.maintenance.listDeadLetters(query);
  }

  countDeadLetters(from: Date, to: Date): Promise<Record<string, number>> {
    return this.maintenance.countDeadLetters(from, to);
  }

  applyRetention(policy: RetentionPolicy, now: Date): Promise<RetentionOutcome> {
    return this.maintenance.applyRetention(policy, now);
  }

  search(request: SearchRequest): Promise<SearchPage> {
    return this.reader.search(request);
  }

  histogram(request: Read.HistogramRequest): Promise<Read.HistogramBucket[]> {
    return esHistogram(this.readContext, request);
  }

  fields(filter: Read.EventFilter): Promise<Read.FieldInfo[]> {
    return esFields(this.readContext, filter);
  }

  topValues(request: Read.TopValuesRequest): Promise<Read.TopValues> {
    return esTopValues(this.readContext, request);
  }

  context(request: Read.ContextRequest): Promise<Read.ContextResult | null> {
    return esContext(this.readContext, request);
  }

  hosts(now: Date): Promise<Read.HostActivity[]> {
    return esHosts(this.readContext, now);
  }

  recordHeartbeat(heartbeat: Heartbeat, receivedAt: Date): Promise<void> {
    return esRecordHeartbeat(this.readContext, heartbeat, receivedAt);
  }

  tail(request: Read.TailRequest): Promise<Read.TailEvent[]> {
    return esTail(this.readContext, request);
  }

  tailCount(request: Read.TailCountRequest): Promise<number> {
    return esTailCount(this.readContext, request);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
