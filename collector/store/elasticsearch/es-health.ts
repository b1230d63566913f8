import type { Client } from '@elastic/elasticsearch';
import { Gauge, type Registry } from 'prom-client';
import { errors } from '@elastic/elasticsearch';
import { classifyEsError, EsStoreError, type EsCredentialKind } from './es-problems.js';
import { missingPrivileges } from './es-privileges.js';

/** A problem for `/readyz`: a stable code and a sentence. */
export interface EsNotice {
  code: string;
  message: string;
}

/** What the last look at the cluster found. */
export interface EsHealthState {
  /** The cluster's status, or `unavailable` when it could not be asked (unreachable, refused, not trusted). */
  status: 'green' | 'yellow' | 'red' | 'unavailable';
  nodes: number;
  /** Why the collector cannot use the cluster now (an outage), or null. */
  problem: EsStoreError | null;
  /** What works but needs attention (a yellow cluster: a node or replicas are missing). */
  warnings: EsNotice[];
}

const STATUSES = ['green', 'yellow', 'red', 'unavailable'] as const;
/** `/metrics` scrapes reuse a look this recent instead of asking the cluster again. */
const FRESH_MS = 5_000;

/**
 * The cluster as the collector sees it: reachable, trusted, letting the configured user in with every privilege
 * it needs, and its health. Yellow is a warning (searches and writes work, redundancy does not); red is an outage.
 */
export class EsHealth {
  private last: (EsHealthState & { at: number }) | null = null;
  /** False once the cluster answered that it runs without security: there are no privileges to check. */
  private securityOn = true;

  constructor(
    private readonly client: Client,
    private readonly indexPrefix: string,
    private readonly credentials: EsCredentialKind,
  ) {}

  /** Looks at the cluster now. */
  async check(): Promise<EsHealthState> {
    let state: EsHealthState;
    try {
      const health = await this.client.cluster.health({ timeout: '2s' }, { requestTimeout: 3000 });
      const missing = this.securityOn ? await missingPrivileges(this.client, this.indexPrefix) : undefined;
      if (missing === undefined) this.securityOn = false;
      const base = { status: clusterStatus(health.status), nodes: health.number_of_nodes, warnings: [] as EsNotice[] };
      if (missing?.length) {
        state = {
          ...base,
          problem: new EsStoreError(
            'ES_PRIVILEGES_MISSING',
            `The Elasticsearch user of this collector lacks ${missing.join(', ')} (see the collector role in docs/elasticsearch.md).`,
          ),
        };
      } else if (base.status === 'red') {
        state = {
          ...base,
          problem: new EsStoreError(
            'ES_CLUSTER_RED',
            `Elasticsearch cluster health is red (${health.unassigned_primary_shards ?? '?'} primary shards unassigned, ${health.number_of_nodes} nodes): some indices cannot be searched or written.`,
          ),
        };
      } else {
        state = { ...base, problem: null };
        if (base.status === 'yellow')
          state.warnings.push({
            code: 'ES_CLUSTER_YELLOW',
            message: `Elasticsearch cluster health is yellow (${health.unassigned_shards} replica shards unassigned, ${health.number_of_nodes} nodes): everything works, but losing a node may lose data.`,
          });
      }
    } catch (err) {
      const problem = classifyEsError(err, this.credentials) ?? unhealthy(err);
      if (!problem) throw err;
      state = { status: 'unavailable', nodes: 0, problem, warnings: [] };
    }
    this.last = { ...state, at: Date.now() };
    return state;
  }

  /** The last look if it is recent, else a new one. */
  async current(): Promise<EsHealthState> {
    if (this.last && Date.now() - this.last.at < FRESH_MS) return this.last;
    return this.check();
  }

  /** The last look without asking (null before the first). */
  latest(): EsHealthState | null {
    return this.last;
  }

  /** `logship_collector_elasticsearch_status{status}` (1 for the current one) and `…_nodes`, looked up per scrape. */
  register(registry: Registry): void {
    const current = () => this.current().catch(() => null);
    new Gauge({
      name: 'logship_collector_elasticsearch_status',
      help: 'Elasticsearch cluster health as the collector sees it: 1 for the current status (green; yellow = a warning; red = an outage; unavailable = cannot be asked), 0 for the others.',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        const state = await current();
        for (const status of STATUSES) this.set({ status }, state?.status === status ? 1 : 0);
      },
    });
    new Gauge({
      name: 'logship_collector_elasticsearch_nodes',
      help: 'Nodes in the Elasticsearch cluster, as its health reports them (0 when it cannot be asked).',
      registers: [registry],
      async collect() {
        this.set((await current())?.nodes ?? 0);
      },
    });
  }
}

/** `unknown` (a health answer without a status) counts as red: nothing says the data is there. */
function clusterStatus(status: string): EsHealthState['status'] {
  const known = STATUSES as readonly string[];
  return known.includes(status) && status !== 'unavailable' ? (status as EsHealthState['status']) : 'red';
}

/** A node that answers health with a server error (no elected master, shutting down): the cluster is not usable. */
function unhealthy(err: unknown): EsStoreError | undefined {
  if (!(err instanceof errors.ResponseError) || (err.statusCode ?? 0) < 500) return undefined;
  const body = err.meta.body as { error?: { type?: unknown } } | undefined;
  const type = typeof body?.error?.type === 'string' ? body.error.type : `status ${err.statusCode}`;
  return new EsStoreError(
    'ES_CLUSTER_RED',
    `Elasticsearch cannot tell its health (${type}): the cluster is not usable now.`,
  );
}
