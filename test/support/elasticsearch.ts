/** Helpers for tests on a real Elasticsearch (docs/testing.md): the global setup's plain one, or the secured one. */
import { readFileSync } from 'node:fs';
import { Client } from '@elastic/elasticsearch';
import { COLLECTOR_USER, esCluster, securedEs } from './shared-elasticsearch.js';

/** The URL of the suite's Elasticsearch; fails loudly instead of letting a test skip or hit a wrong server. */
export function testEsUrl(): string {
  const url = process.env.LOGSHIP_TEST_ES_URL;
  if (!url)
    throw new Error(
      'LOGSHIP_TEST_ES_URL is not set: run the tests through jest (its globalSetup starts Elasticsearch) ' +
        'or set it to a running Elasticsearch, e.g. http://127.0.0.1:9200 after npm run es:start.',
    );
  return url.replace(/\/+$/, '');
}

/** A cluster the collector's Elasticsearch tests run against. */
export interface EsTarget {
  name: 'plain' | 'secured' | 'cluster';
  /** The collector's `elasticsearch` settings for it (nodes, credentials as files, CA), index_prefix aside. */
  settings: Record<string, unknown>;
  /** A superuser for the tests' own housekeeping (refresh, delete): never what the collector runs as. */
  admin: Client;
}

export type EsTargetName = EsTarget['name'];

/** How long a hook may wait for a shared cluster to start (its first start runs JVM tools and boots a node). */
export const ES_START_TIMEOUT_MS = 360_000;

/** Every cluster kind the collector's Elasticsearch cases run against (the 3-node cluster has tests of its own). */
export const ES_TARGET_NAMES: readonly EsTargetName[] = ['plain', 'secured'];

const targets = new Map<EsTargetName, EsTarget>();

/**
 * Idle sockets of the housekeeping clients close after a second (the client's default keeps them ten minutes,
 * which would hold jest open after the last test).
 */
const agent = { keepAliveTimeout: 1000, keepAliveMaxTimeout: 1000 };

/**
 * The plain Elasticsearch (security off), the secured one (HTTPS with its own CA, the collector as the
 * least-privileged file-realm user of docs/elasticsearch.md) or the 3-node cluster; the last two start on first use.
 */
export async function esTarget(name: EsTargetName = 'plain'): Promise<EsTarget> {
  const known = targets.get(name);
  if (known) return known;
  let target: EsTarget;
  if (name === 'plain') {
    target = { name, settings: { url: testEsUrl() }, admin: new Client({ node: testEsUrl(), agent }) };
  } else if (name === 'cluster') {
    const { urls } = await esCluster();
    target = { name, settings: { nodes: urls }, admin: new Client({ nodes: urls, agent }) };
  } else {
    const es = await securedEs();
    target = {
      name,
      settings: {
        url: es.url,
        username: COLLECTOR_USER,
        password_file: es.passwordFiles.collector,
        tls: { ca: es.caFile },
      },
      admin: new Client({
        node: es.url,
        auth: { username: 'elastic', password: es.passwords.elastic },
        tls: { ca: readFileSync(es.caFile) },
        agent,
      }),
    };
  }
  targets.set(name, target);
  return target;
}

/** Deletes every index matching `pattern` (e.g. `t-search-*`); matching nothing is fine. */
export async function deleteIndices(pattern: string, target?: EsTarget): Promise<void> {
  // A bare `*` or `_all` would also wipe what other suites or a developer's data set rely on.
  if (!/^[a-z0-9][a-z0-9._-]*\*?$/.test(pattern) || pattern === '*')
    throw new Error(`deleteIndices: "${pattern}" must be an index name or a prefix ending in *, e.g. t-search-*`);
  const { admin } = target ?? (await esTarget('plain'));
  await admin.indices.delete({
    index: pattern,
    ignore_unavailable: true,
    allow_no_indices: true,
    expand_wildcards: 'all',
  });
}

/** Deletes what a collector with the index prefix `prefix` put: its indices and its index templates. */
export async function deleteCollectorPrefix(prefix: string, target: EsTarget): Promise<void> {
  await target.admin.indices.deleteIndexTemplate({ name: `${prefix}-*` }, { ignore: [404] });
  await deleteIndices(`${prefix}-*`, target);
}

/** Makes everything written to `pattern` searchable now, instead of waiting for the 1 s refresh. */
export async function refreshIndices(pattern: string, target?: EsTarget): Promise<void> {
  const { admin } = target ?? (await esTarget('plain'));
  await admin.indices.refresh({ index: pattern, allow_no_indices: true, ignore_unavailable: true });
}
