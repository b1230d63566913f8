import { Client, errors } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { CodedError } from '../../../protocol/coded-error.js';
import type { StoredEvent } from '../ecs-document.js';
import type { DeadLetterPage } from '../../../protocol/dead-letter.js';
import type {
  DeadLetter,
  DeadLetterQuery,
  EventSink,
  LogStore,
  RetentionOutcome,
  RetentionPolicy,
  SearchPage,
  SearchRequest,
  WriteOutcome,
} from '../log-store.js';
import { EsMaintenance } from './es-maintenance.js';
import type { Heartbeat, HostClock } from '../../../protocol/heartbeat.js';
import type * as Read from '../read-model.js';
import { esContext } from './es-context.js';
import { esEvent } from './es-event.js';
import { esFields, esTopValues } from './es-fields.js';
import { EsCounts } from './es-counts.js';
import { esHistogram } from './es-histogram.js';
import { esHostClocks, esHosts, esRecordHeartbeat } from './es-hosts.js';
import type { EsReadContext } from './es-read.js';
import { esTail, esTailCount } from './es-tail.js';
import { guardEs } from './es-errors.js';
import { EsSearch } from './es-search.js';
import { EsWriter } from './es-writer.js';
import { BulkAnswerSerializer } from './bulk-answer-serializer.js';
import { putIndexTemplates, type TemplateOptions } from './index-templates.js';
import { EsAlertRecords } from './es-alert-records.js';
import type { AlertRecord, AlertRecordKind } from '../alert-records.js';
import { esClientOptions, nodeLabel, type EsConnection } from './es-connection.js';
import { EsHealth, type EsNotice } from './es-health.js';
import { SETUP_PROBLEMS, type EsCredentialKind } from './es-problems.js';

export interface EsStoreOptions extends EsConnection {
  indexPrefix: string;
  /** The settings of the indices the collector creates (their templates). */
  templates: TemplateOptions;
  bulkMaxEvents: number;
  bulkConcurrency: number;
  bulkMaxQueued: number;
  requestTimeoutMs: number;
  searchTimeoutMs: number;
  exactTotalUpTo: number;
  /** Keep the per-hour event counts histograms read (es-counts.ts) up to date in the background: the collector does. */
  countEvents?: boolean;
}

/** The Elasticsearch implementation of LogStore: templates here, writes in EsWriter, reads in EsSearch. */
export class EsStore implements LogStore {
  readonly client: Client;
  private readonly writer: EsWriter;
  private readonly reader: EsSearch;
  private readonly readContext: EsReadContext;
  private readonly maintenance: EsMaintenance;
  private readonly alertRecords: EsAlertRecords;
  private readonly health: EsHealth;
  /** The per-hour event counts (es-counts.ts). */
  readonly counts: EsCounts;
  /** The index templates, put once per process before the first write (null: not yet, or the last try failed). */
  private templates: Promise<void> | null = null;
  /** Requests per node and outcome, so an operator sees the load spread and which node fails. */
  private readonly requests = new Counter({
    name: 'logship_collector_elasticsearch_requests_total',
    help: 'Requests to Elasticsearch per node (scheme, host and port) and outcome (ok, error).',
    labelNames: ['node', 'outcome'],
    registers: [],
  });

  constructor(
    private readonly options: EsStoreOptions,
    private readonly logger: Logger,
  ) {
    this.client = new Client({
      ...esClientOptions(options, options.requestTimeoutMs),
      Serializer: BulkAnswerSerializer,
    });
    this.client.diagnostic.on('response', (err, result) => {
      const url = result?.meta.connection?.url;
      if (url) this.requests.inc({ node: nodeLabel(String(url)), outcome: err ? 'error' : 'ok' });
    });
    this.health = new EsHealth(this.client, options.indexPrefix, credentialKind(options));
    this.writer = new EsWriter(this.client, options, logger);
    this.maintenance = new EsMaintenance(this.client, options.indexPrefix, logger, options.searchTimeoutMs);
    this.alertRecords = new EsAlertRecords(this.client, options.indexPrefix, logger);
    this.readContext = {
      client: this.client,
      indexPrefix: options.indexPrefix,
      searchTimeoutMs: options.searchTimeoutMs,
      logger,
    };
    this.reader = new EsSearch(this.readContext, options.exactTotalUpTo);
    this.counts = new EsCounts(this.readContext);
  }

  /**
   * Looks at the cluster and puts the index templates. A certificate, credential or privilege problem stops the
   * start-up with its code (waiting would not cure it); an unreachable cluster does not: the collector starts,
   * `/readyz` says why it is not ready, and the templates are put before the first write that reaches it.
   */
  async init(): Promise<void> {
    const state = await this.health.check();
    const problem = state.problem;
    if (problem && SETUP_PROBLEMS.has(problem.problem)) throw new CodedError(problem.problem, problem.message);
    if (this.options.countEvents) this.counts.start();
    if (problem?.problem === 'ES_UNREACHABLE') {
      this.logger.warn({ code: problem.problem }, `${problem.message} The collector starts and retries.`);
      return;
    }
    for (const warning of state.warnings) this.logger.warn({ code: warning.code }, warning.message);
    await this.ensureTemplates();
  }

  /**
   * Puts the templates once; a failed try is retried by the next caller. A template the cluster refuses (400: most
   * often another template matching the same indices at the same priority) is ES_TEMPLATE_REFUSED with the
   * cluster's reason: at start-up it stops the collector, since waiting would not cure it.
   */
  private ensureTemplates(): Promise<void> {
    this.templates ??= guardEs(this.logger, async () => {
      await putIndexTemplates(this.client, this.options.indexPrefix, this.options.templates);
    }).catch((err: unknown) => {
      this.templates = null;
      throw templateRefused(err, this.options.indexPrefix) ?? err;
    });
    return this.templates;
  }

  async ready(): Promise<boolean> {
    const state = await this.health.check();
    if (state.problem) return false;
    // A write refused for a full disk: ready again once no event index carries the flood-stage block.
    if (this.writer.diskFull !== null) {
      if (await this.writeBlocked().catch(() => true)) return false;
      this.writer.diskFull = null;
    }
    // Started while the cluster was away: ready only once the templates are in.
    await this.ensureTemplates().catch(() => undefined);
    return this.templates !== null;
  }

  readinessProblem(): EsNotice | null {
    const problem = this.health.latest()?.problem;
    if (problem) return { code: problem.problem, message: problem.message };
    if (this.writer.diskFull !== null) return { code: 'STORE_DISK_FULL', message: this.writer.diskFull };
    return this.templates === null
      ? { code: 'ES_UNREACHABLE', message: 'The index templates are not in place yet.' }
      : null;
  }

  readinessWarnings(): EsNotice[] {
    return this.health.latest()?.warnings ?? [];
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
    registry.registerMetric(this.requests);
    this.health.register(registry);
    this.writer.registerMetrics(registry);
  }

  async write(events: readonly StoredEvent[]): Promise<WriteOutcome> {
    await this.ensureTemplates();
    return this.writer.write(events);
  }

  openWrite(): EventSink {
    const sink = this.writer.openWrite();
    return {
      add: (event) => sink.add(event),
      finish: async () => {
        await this.ensureTemplates();
        return sink.finish();
      },
    };
  }

  async writeDeadLetters(items: readonly DeadLetter[]): Promise<void> {
    await this.ensureTemplates();
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

  event(id: string): Promise<StoredEvent | null> {
    return esEvent(this.readContext, id);
  }

  hosts(now: Date): Promise<Read.HostActivity[]> {
    return esHosts(this.readContext, now);
  }

  hostClocks(): Promise<Map<string, HostClock>> {
    return esHostClocks(this.readContext);
  }

  async recordHeartbeat(heartbeat: Heartbeat, receivedAt: Date, clock: HostClock | null): Promise<void> {
    await this.ensureTemplates();
    return esRecordHeartbeat(this.readContext, heartbeat, receivedAt, clock);
  }

  tail(request: Read.TailRequest): Promise<Read.TailEvent[]> {
    return esTail(this.readContext, request);
  }

  tailCount(request: Read.TailCountRequest): Promise<number> {
    return esTailCount(this.readContext, request);
  }

  listAlertRecords(kind: AlertRecordKind): Promise<AlertRecord[]> {
    return this.alertRecords.list(kind);
  }

  getAlertRecord(kind: AlertRecordKind, id: string): Promise<AlertRecord | null> {
    return this.alertRecords.get(kind, id);
  }

  async putAlertRecord(
    kind: AlertRecordKind,
    id: string,
    body: object,
    expected: string | null,
  ): Promise<string | null> {
    // The alerts index must be created from its own template, never the events' dynamic one.
    await this.ensureTemplates();
    return this.alertRecords.put(kind, id, body, expected);
  }

  deleteAlertRecord(kind: AlertRecordKind, id: string, expected?: string): Promise<boolean> {
    return this.alertRecords.delete(kind, id, expected);
  }

  async close(): Promise<void> {
    this.counts.stop();
    await this.counts.idle();
    await this.client.close();
  }
}

function credentialKind(connection: EsConnection): EsCredentialKind {
  if (connection.auth) return 'apiKey' in connection.auth ? 'API key' : 'user and password';
  return connection.tls?.cert ? 'client certificate' : 'none';
}

/** ES_TEMPLATE_REFUSED for a 400 answer to putting a template, with the cluster's own reason; else undefined. */
function templateRefused(err: unknown, prefix: string): CodedError | undefined {
  if (!(err instanceof errors.ResponseError) || err.statusCode !== 400) return undefined;
  const body = err.body as { error?: { reason?: unknown } } | undefined;
  const reason = typeof body?.error?.reason === 'string' ? body.error.reason : err.message;
  return new CodedError(
    'ES_TEMPLATE_REFUSED',
    `Elasticsearch refused logship's index templates for "${prefix}-*": ${reason}. Give the other template a different ` +
      `priority or pattern, or choose another elasticsearch.index_prefix.`,
    503,
  );
}
