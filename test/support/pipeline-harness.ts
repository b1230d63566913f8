import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createToken } from '../../collector/auth/token-store.js';
import type { Hit } from '../../protocol/event.js';
import type { SearchResult } from '../../protocol/search.js';
import { deleteIndices, testEsUrl, type EsTarget } from './elasticsearch.js';
import { freePort, spawnLogship, stopProcess, waitFor } from './processes.js';

/**
 * Collectors and shippers as real processes (`logship collector|shipper`), for kill and restart tests. Usually one
 * collector; several share the data directory and collector.yml (see fleet-harness.ts).
 */
export class Pipeline {
  readonly dir = mkdtempSync(join(tmpdir(), 'logship-pipeline-'));
  readonly indexPrefix: string;
  readonly tokens: { ingest: string; read: string };
  /** The collector's config as written to collector.yml (data_dir and listen come from the environment). */
  readonly collectorConfig: Record<string, unknown>;
  /** Where shippers and searches go: the first collector, or a front (a load balancer) set by a subclass. */
  url = '';
  /** Collector processes by index. */
  private readonly collectors: { child?: ChildProcess; port: number }[] = [];
  private readonly shippers = new Map<string, { child?: ChildProcess; configPath: string }>();

  /**
   * `elasticsearch` overrides the collector's `elasticsearch` settings (e.g. a proxy's `url`, `request_timeout`, or
   * `nodes` instead of the plain test cluster's `url`), or is `embedded` for the embedded store in the collector's
   * data dir; `target` is where the test's indices are deleted at the end; `extra` adds other collector settings.
   */
  constructor(
    name: string,
    elasticsearch: Record<string, unknown> | 'embedded' = {},
    private readonly target?: EsTarget,
    extra: Record<string, unknown> = {},
  ) {
    this.indexPrefix = `t-${name}-${process.pid}`;
    mkdirSync(join(this.dir, 'collector'));
    this.tokens = {
      ingest: createToken(join(this.dir, 'collector'), 'ingest', 'ingest'),
      read: createToken(join(this.dir, 'collector'), 'read', 'read'),
    };
    this.collectorConfig = {
      ...(elasticsearch === 'embedded'
        ? {}
        : {
            elasticsearch: {
              ...('nodes' in elasticsearch ? {} : { url: testEsUrl() }),
              index_prefix: this.indexPrefix,
              ...elasticsearch,
            },
          }),
      ...extra,
    };
    writeFileSync(join(this.dir, 'collector.yml'), stringify(this.collectorConfig));
  }

  /** The collector's data directory (tokens, the embedded store). */
  get collectorDataDir(): string {
    return join(this.dir, 'collector');
  }

  /** The first collector process's id, while it runs. */
  get collectorPid(): number | undefined {
    return this.collectors[0]?.child?.pid;
  }

  /**
   * Starts (or restarts) collector `index` on its own port (the same each time) and waits until it is ready; `env`
   * adds to its environment.
   */
  async startCollector(env: Record<string, string> = {}, index = 0): Promise<void> {
    const entry = (this.collectors[index] ??= { port: await freePort() });
    const url = this.collectorUrl(index);
    // A front set meanwhile (a load balancer, see fleet-harness.ts) stays where shippers and searches go.
    if (index === 0 && (this.url === '' || this.url === url)) this.url = url;
    entry.child = spawnLogship(
      ['collector', '--config', join(this.dir, 'collector.yml')],
      // An empty LOGSHIP_ES_URL keeps an embedded-store collector embedded whatever this process was given.
      {
        LOGSHIP_DATA_DIR: join(this.dir, 'collector'),
        LOGSHIP_LISTEN: `127.0.0.1:${entry.port}`,
        LOGSHIP_ES_URL: '',
        ...env,
      },
      join(this.dir, index === 0 ? 'collector.log' : `collector-${index}.log`),
    );
    await waitFor(
      'the collector to be ready',
      async () => ((await fetch(`${url}/readyz`)).ok ? true : undefined),
      30_000,
    );
  }

  /** The address of collector `index` itself (not the front). */
  collectorUrl(index = 0): string {
    const entry = this.collectors[index];
    if (!entry) throw new Error(`collector ${index} was never started`);
    return `http://127.0.0.1:${entry.port}`;
  }

  /** Stops collector `index` with `signal` (SIGKILL = crash). */
  async stopCollector(signal: NodeJS.Signals = 'SIGTERM', index = 0): Promise<void> {
    const child = this.collectors[index]?.child;
    if (child) await stopProcess(child, signal);
  }

  /** Writes a shipper config for `host` tailing `paths` and starts it; `env` adds to its environment. */
  async startShipper(
    host: string,
    paths: string[],
    extra: Record<string, unknown> = {},
    env: Record<string, string> = {},
  ): Promise<void> {
    let entry = this.shippers.get(host);
    if (!entry) {
      const configPath = join(this.dir, `shipper-${host}.yml`);
      writeFileSync(
        configPath,
        stringify({
          host,
          collectors: [this.url],
          token: '${LOGSHIP_TOKEN}',
          data_dir: join(this.dir, `shipper-${host}`),
          inputs: [{ paths, service: 'app' }],
          batch: { max_events: 2000, max_bytes: '1MiB', max_wait: '250ms' },
          ...extra,
        }),
      );
      entry = { configPath };
      this.shippers.set(host, entry);
    }
    entry.child = spawnLogship(
      ['shipper', '--config', entry.configPath],
      { LOGSHIP_TOKEN: this.tokens.ingest, ...env },
      join(this.dir, `shipper-${host}.log`),
    );
  }

  /** Stops a shipper with `signal` (SIGKILL = crash). */
  async stopShipper(host: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.shippers.get(host)?.child;
    return child ? stopProcess(child, signal) : null;
  }

  /** One page of `/api/v1/search`. */
  async search(params: Record<string, string | string[]>): Promise<SearchResult> {
    const url = new URL(`${this.url}/api/v1/search`);
    for (const [k, v] of Object.entries(params)) for (const x of [v].flat()) url.searchParams.append(k, x);
    const res = await fetch(url, { headers: { authorization: `Bearer ${this.tokens.read}` } });
    if (!res.ok) throw new Error(`search answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as SearchResult;
  }

  /** Every hit of a search, following cursors in pages of 10,000. */
  async searchAll(params: Record<string, string | string[]>): Promise<Hit[]> {
    const hits: Hit[] = [];
    let cursor: string | null = null;
    do {
      const page: SearchResult = await this.search({ ...params, limit: '10000', ...(cursor ? { cursor } : {}) });
      hits.push(...page.hits);
      cursor = page.next_cursor;
    } while (cursor);
    return hits;
  }

  /**
   * The exact number of events a search matches, whatever the query: the sum of its histogram's buckets (a search
   * page counts free text only up to 10,000).
   */
  async exactTotal(params: Record<string, string>): Promise<number> {
    const url = new URL(`${this.url}/api/v1/histogram`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const res = await fetch(url, { headers: { authorization: `Bearer ${this.tokens.read}` } });
    if (!res.ok) throw new Error(`histogram answered ${res.status}: ${await res.text()}`);
    const { buckets } = (await res.json()) as { buckets: { count: number }[] };
    return buckets.reduce((sum, b) => sum + b.count, 0);
  }

  /** Waits until the search total reaches `expected` (it must never pass it). */
  async waitForTotal(expected: number, timeoutMs: number, params: Record<string, string> = {}): Promise<number> {
    return waitFor(
      `${expected} events to be searchable`,
      async () => {
        const total = await this.exactTotal({ from: 'now-1h', ...params });
        if (total > expected) throw new Error(`more events than written: ${total} > ${expected}`);
        return total === expected ? total : undefined;
      },
      timeoutMs,
      250,
    );
  }

  /** Stops everything and deletes indices and files. */
  async dispose(): Promise<void> {
    for (const host of this.shippers.keys()) await this.stopShipper(host, 'SIGKILL');
    for (let i = 0; i < this.collectors.length; i++) await this.stopCollector('SIGKILL', i);
    if (this.collectorConfig.elasticsearch) await deleteIndices(`${this.indexPrefix}-*`, this.target);
    if (!process.env.LOGSHIP_TEST_KEEP) rmSync(this.dir, { recursive: true, force: true });
  }
}
