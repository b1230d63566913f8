import type { Client } from '@elastic/elasticsearch';

/**
 * The privileges the collector needs, and no more (docs/elasticsearch.md shows them as a role; the tests run the
 * collector as a file-realm user holding exactly this role):
 * - cluster `monitor`: cluster health (readiness) and the index list retention reads;
 * - cluster `manage_index_templates`: the templates of the daily indices, put at every start;
 * - on `<prefix>-*`: `auto_configure` (a day's first event creates its index), `index` (events, dead letters,
 *   heartbeats, alert records), `delete` (deleted alert rules and their states), `read` (search, context,
 *   histogram, point in time), `view_index_metadata` (field list), `monitor` (the index list retention reads) and
 *   `delete_index` (retention drops whole days).
 */
export const COLLECTOR_PRIVILEGES = {
  cluster: ['monitor', 'manage_index_templates'],
  index: ['auto_configure', 'index', 'delete', 'read', 'view_index_metadata', 'monitor', 'delete_index'],
} as const;

/**
 * What `logship backup` needs, given to a separate user (the collector never snapshots): cluster `manage` (register
 * a repository, snapshot, restore; `create_snapshot` alone cannot restore) and, on `<prefix>-*`, `manage` (restore
 * over a missing index, remove a half-restored one) and `read` (count what was restored).
 */
export const BACKUP_PRIVILEGES = {
  cluster: ['manage'],
  index: ['manage', 'read'],
} as const;

/** The collector's role for an index prefix, in the shape of `roles.yml` and the role API. */
export function collectorRole(indexPrefix: string) {
  return {
    cluster: [...COLLECTOR_PRIVILEGES.cluster],
    indices: [{ names: [`${indexPrefix}-*`], privileges: [...COLLECTOR_PRIVILEGES.index] }],
  };
}

/**
 * The privileges the connected user lacks (`cluster:monitor`, `logship-*:delete_index`); empty when it has all,
 * and undefined when the cluster runs without security (nothing to check).
 */
export async function missingPrivileges(client: Client, indexPrefix: string): Promise<string[] | undefined> {
  let answer;
  try {
    answer = await client.security.hasPrivileges({
      cluster: [...COLLECTOR_PRIVILEGES.cluster],
      index: [{ names: [`${indexPrefix}-*`], privileges: [...COLLECTOR_PRIVILEGES.index] }],
    });
  } catch (err) {
    // Without security the endpoint does not exist ("no handler found", 400); every request is allowed.
    const status = (err as { meta?: { statusCode?: number } }).meta?.statusCode;
    if ((status === 400 || status === 404) && /no handler found/i.test((err as Error).message)) return undefined;
    throw err;
  }
  if (answer.has_all_requested) return [];
  // In the order of COLLECTOR_PRIVILEGES (the answer sorts them by name).
  const missing: string[] = [];
  for (const name of COLLECTOR_PRIVILEGES.cluster) if (answer.cluster[name] === false) missing.push(`cluster:${name}`);
  for (const [index, privileges] of Object.entries(answer.index))
    for (const name of COLLECTOR_PRIVILEGES.index) if (privileges[name] === false) missing.push(`${index}:${name}`);
  return missing;
}
