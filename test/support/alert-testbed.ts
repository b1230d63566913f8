import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { AlertNotification } from '../../protocol/alert-notification.js';
import type { AlertRuleInput, AlertRuleView } from '../../protocol/alert-rule.js';
import type { AlertsOverview } from '../../protocol/alerts-overview.js';
import { createToken } from '../../collector/auth/token-store.js';
import { collectorConfig } from '../../collector/config.js';
import { startCollector, type RunningCollector } from '../../collector/main.js';
import { deleteIndices, testEsUrl } from './elasticsearch.js';
import { WebhookReceiver, type ReceivedRequest } from './webhook-receiver.js';

export type StoreKind = 'elasticsearch' | 'embedded';

/** A collector the tests talk to: in-process or a `logship collector` process. */
export type Reachable = Pick<RunningCollector, 'url'>;

/** Alert settings fast enough for tests: a round every 300 ms, a lease of 1.5 s, retries at most 1 s apart. */
export const FAST_ALERTS = {
  evaluate_every: '300ms',
  lease_ttl: '1500ms',
  public_url: 'https://logs.example.test/',
  delivery: { timeout: '2s', max_backoff: '1s' },
};

/** What the API answered. */
export interface Answer<T> {
  status: number;
  body: T;
}

/**
 * One store (an Elasticsearch index prefix, or an embedded store in a data directory) and any number of in-process
 * collectors on it, sharing one data directory (so the same tokens work on each).
 */
export class AlertTestbed {
  readonly dataDir: string;
  readonly indexPrefix: string;
  readonly tokens: { ingest: string; read: string; admin: string };
  readonly collectors: RunningCollector[] = [];

  constructor(
    readonly store: StoreKind,
    name: string,
  ) {
    this.dataDir = mkdtempSync(join(tmpdir(), `logship-alerts-${name}-`));
    this.indexPrefix = `t-alerts-${name}-${process.pid}`;
    this.tokens = {
      ingest: createToken(this.dataDir, 'ingest', 'ingest'),
      read: createToken(this.dataDir, 'read', 'read'),
      admin: createToken(this.dataDir, 'admin', 'admin'),
    };
  }

  /** A collector config on this store (for `collectorConfig`, or as collector.yml for a process). */
  configFor(listen: string, alerts: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      listen,
      data_dir: this.dataDir,
      ...(this.store === 'elasticsearch'
        ? { elasticsearch: { url: testEsUrl(), index_prefix: this.indexPrefix } }
        : {}),
      alerts: { ...FAST_ALERTS, ...alerts },
    };
  }

  /** Starts another collector on the store, in this process; `alerts` replaces FAST_ALERTS' keys. */
  async start(alerts: Record<string, unknown> = {}, listen = '127.0.0.1:0'): Promise<RunningCollector> {
    const config = collectorConfig(this.configFor(listen, alerts));
    const logger = pino({ level: process.env.LOGSHIP_TEST_LOG ?? 'silent' });
    const collector = await startCollector(config, logger);
    this.collectors.push(collector);
    return collector;
  }

  /** Stops one collector cleanly (it releases the lease). */
  async stop(collector: RunningCollector): Promise<void> {
    await collector.stop();
    this.collectors.splice(this.collectors.indexOf(collector), 1);
  }

  async dispose(): Promise<void> {
    for (const c of [...this.collectors]) await this.stop(c);
    if (this.store === 'elasticsearch') await deleteIndices(`${this.indexPrefix}-*`);
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** A JSON request to a collector's API with a token (admin by default). */
  async api<T>(
    collector: Reachable,
    method: string,
    path: string,
    body?: unknown,
    token: string = this.tokens.admin,
  ): Promise<Answer<T>> {
    const res = await fetch(`${collector.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Creates a rule; throws unless 201. */
  async createRule(collector: Reachable, rule: AlertRuleInput): Promise<AlertRuleView> {
    const answer = await this.api<AlertRuleView>(collector, 'POST', '/api/v1/alerts/rules', rule);
    if (answer.status !== 201)
      throw new Error(`creating ${rule.name} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  async overview(collector: Reachable): Promise<AlertsOverview> {
    const answer = await this.api<AlertsOverview>(collector, 'GET', '/api/v1/alerts', undefined, this.tokens.read);
    if (answer.status !== 200) throw new Error(`/api/v1/alerts answered ${answer.status}`);
    return answer.body;
  }

  /** Stores events through the ingest API (times default to now); throws unless all were accepted. */
  async ingest(collector: Reachable, events: readonly Record<string, unknown>[]): Promise<void> {
    const body = events.map((e) => JSON.stringify({ timestamp: new Date().toISOString(), ...e })).join('\n');
    const res = await fetch(`${collector.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.tokens.ingest}`, 'content-type': 'application/x-ndjson' },
      body,
    });
    const answer = (await res.json()) as { accepted?: number };
    if (res.status !== 200 || answer.accepted !== events.length) {
      throw new Error(`ingest answered ${res.status}: ${JSON.stringify(answer)}`);
    }
  }

  /** The value of a counter or gauge (summed over labels that match `labels`) from a collector's /metrics. */
  async metric(collector: Reachable, name: string, labels: Record<string, string> = {}): Promise<number> {
    const text = await (await fetch(`${collector.url}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      const m = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
      if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
    }
    return sum;
  }
}

/** `n` events with `fields` (times: now, unless `fields` say otherwise). */
export function someEvents(n: number, fields: Record<string, unknown>): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({ message: `event ${i}`, ...fields }));
}

/** A received request's body as the notification it is. */
export const notificationOf = (r: ReceivedRequest) => r.body as AlertNotification;

/** The events (firing, resolved) of received notifications, in arrival order. */
export const eventsOf = (rs: readonly ReceivedRequest[]) => rs.map((r) => notificationOf(r).event);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A testbed on `store` and a receiver for one describe block: made before its tests, disposed after them. */
export function alertSuite(store: StoreKind, name: string): { bed: AlertTestbed; receiver: WebhookReceiver } {
  const suite = {} as { bed: AlertTestbed; receiver: WebhookReceiver };
  beforeAll(async () => {
    suite.bed = new AlertTestbed(store, name);
    suite.receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await suite.bed?.dispose();
    await suite.receiver?.close();
  });
  return suite;
}
