import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { stringify } from 'yaml';
import { EsCounts, HOUR_MS, QUIET_MS } from '../../../collector/store/elasticsearch/es-counts.js';
import { createToken } from '../../../collector/auth/token-store.js';
import { ingestEvents, postIngest, startTestCollector, type TestCollector } from '../../support/collector-harness.js';
import {
  deleteIndices,
  ES_START_TIMEOUT_MS,
  esTarget,
  refreshIndices,
  type EsTarget,
} from '../../support/elasticsearch.js';
import { freePort, runLogship, spawnLogship, stopProcess, waitFor } from '../../support/processes.js';
import { BACKUP_USER, securedEs } from '../../support/shared-elasticsearch.js';

/**
 * Restore drills, one per store: events over three days, a backup, the store destroyed, the backup restored with
 * `logship backup` as an operator runs it; then the exact count, and search, context and histogram answer exactly
 * as they did before.
 */
const DAY_MS = 86_400_000;
const EVENTS = 6_000;
const HOSTS = ['web-1', 'web-2', 'db-1', 'cache-1'];
const LEVELS = ['info', 'info', 'info', 'warn', 'error'];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'logship-drill-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** EVENTS events spread evenly over the three days before `end`, four hosts, a level mix. */
function threeDays(end: number): object[] {
  return Array.from({ length: EVENTS }, (_, i) => ({
    id: `drill-${i}`,
    timestamp: new Date(end - 3 * DAY_MS + Math.floor((i * 3 * DAY_MS) / EVENTS)).toISOString(),
    host: HOSTS[i % HOSTS.length],
    service: 'shop',
    level: LEVELS[i % LEVELS.length],
    source: `/var/log/shop/${HOSTS[i % HOSTS.length]}.log`,
    offset: i * 120,
    message: `order ${i} ${i % 7 === 0 ? 'payment declined' : 'paid'} after ${i % 300} ms`,
  }));
}

/** What the read API answers for the drill's window: the answers a restore must give back unchanged. */
async function answers(url: string, token: string, from: string, to: string) {
  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    const body = (await res.json()) as Record<string, unknown>;
    delete body.took_ms;
    delete body.next_cursor;
    return body;
  };
  const window = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
  return {
    all: await get(`/api/v1/search?${window}&limit=50`),
    declined: await get(
      `/api/v1/search?${window}&q=${encodeURIComponent('"payment declined" AND host:db-1')}&limit=100&order=asc`,
    ),
    histogram: await get(`/api/v1/histogram?${window}&interval=1h&by=host`),
    context: await get(`/api/v1/events/drill-3001/context?before=20&after=20`),
  };
}

describe('restore drill: the embedded store', () => {
  it('backs up online, and after the store is destroyed restores every event with the same answers', async () => {
    const dataDir = join(dir, 'embedded');
    const backups = join(dir, 'embedded-backups');
    const token = createToken(dataDir, 'admin', 'admin');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { LOGSHIP_DATA_DIR: dataDir, LOGSHIP_LISTEN: `127.0.0.1:${port}` };
    const start = async () => {
      const child = spawnLogship(['collector'], env, join(dir, 'embedded-collector.log'));
      await waitFor(
        'the collector',
        async () => ((await fetch(`${url}/readyz`).catch(() => null))?.status === 200 ? true : undefined),
        30_000,
      );
      return child;
    };
    let collector = await start();
    try {
      const end = Date.now() - 60_000;
      const events = threeDays(end);
      for (let i = 0; i < events.length; i += 1000) {
        const answer = await postIngest(
          url,
          token,
          events
            .slice(i, i + 1000)
            .map((e) => JSON.stringify(e))
            .join('\n'),
        );
        expect(answer.body).toMatchObject({ accepted: 1000, duplicates: 0, rejected: 0 });
      }
      const from = new Date(end - 4 * DAY_MS).toISOString();
      const to = new Date(end + 1000).toISOString();
      const before = await answers(url, token, from, to);
      expect(before.all.total).toEqual({ value: EVENTS, relation: 'eq' });

      // Online: the collector keeps running (and answering) while the copy is made.
      const created = await runLogship(['backup', 'create', '--location', backups], env);
      expect(created.stderr).toBe(created.stderr.replace(/ERROR|BACKUP_/g, ''));
      expect(created.code).toBe(0);
      expect(created.stdout).toMatch(
        new RegExp(`^created logship-embedded-\\S+: ${EVENTS} events, 0 dead letters, \\d+ bytes, integrity ok`),
      );
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      // A store in use is not overwritten.
      const refused = await runLogship(['backup', 'restore', '--location', backups, '--replace'], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^BACKUP_STORE_IN_USE: .*events\.db is open in process \d+/m);

      await stopProcess(collector);
      rmSync(join(dataDir, 'store'), { recursive: true, force: true });
      const listed = await runLogship(['backup', 'list', '--location', backups], env);
      expect(listed.stdout.trim().split('\n')).toHaveLength(1);
      const verified = await runLogship(['backup', 'verify', '--location', backups], env);
      expect(verified.stdout).toContain(`${EVENTS} events, 0 dead letters, checksum and integrity ok`);
      const started = Date.now();
      const restored = await runLogship(['backup', 'restore', '--location', backups], env);
      const restoreMs = Date.now() - started;
      expect(restored.code).toBe(0);
      expect(restored.stdout).toMatch(
        new RegExp(`^restored logship-embedded-\\S+: ${EVENTS} events, 0 dead letters into `),
      );
      console.error(`Embedded restore drill: ${EVENTS} events restored in ${restoreMs} ms.`);
      // A second restore would overwrite a store: refused without --replace.
      const again = await runLogship(['backup', 'restore', '--location', backups], env);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('BACKUP_RESTORE_CONFLICT');

      collector = await start();
      expect(await answers(url, token, from, to)).toEqual(before);
    } finally {
      await stopProcess(collector);
    }
  });
});

describe('restore drill: Elasticsearch (secured, the backup user of the docs)', () => {
  let target: EsTarget;
  let collector: TestCollector;
  let repository: string;

  beforeAll(async () => {
    target = await esTarget('secured');
    collector = await startTestCollector('drill', {}, target);
    repository = `t-drill-${process.pid}`;
  }, ES_START_TIMEOUT_MS);
  afterAll(async () => {
    await collector?.dispose();
    await target?.admin.snapshot.deleteRepository({ name: repository }, { ignore: [404] });
  });

  it('snapshots the indices and templates, and after they are deleted restores every event with the same answers', async () => {
    const es = await securedEs();
    const end = Date.now() - 60_000;
    const result = await ingestEvents(collector, threeDays(end));
    expect(result).toMatchObject({ accepted: EVENTS, duplicates: 0, rejected: 0 });
    await refreshIndices(`${collector.indexPrefix}-*`, target);
    // The quiet hours counted, as the collector does in the background a minute at most later (es-counts.ts).
    const now = Date.now();
    const quietHours = threeDays(end)
      .map((e) => Math.floor(Date.parse((e as { timestamp: string }).timestamp) / HOUR_MS) * HOUR_MS)
      .filter((hour) => hour + HOUR_MS + QUIET_MS <= now);
    const counts = new EsCounts({
      client: target.admin,
      indexPrefix: collector.indexPrefix,
      searchTimeoutMs: 30_000,
      logger: pino({ level: 'silent' }),
    });
    // The collector's own round may count some of them at the same time: what is checked is what the counts hold.
    const countAll = async () => {
      await counts.catchUp(new Date(now));
      await refreshIndices(`${collector.indexPrefix}-*`, target);
      expect(await counts.catchUp(new Date(now))).toBe(0);
      expect(await sealed(target, collector.indexPrefix)).toBe(quietHours.length);
    };
    await countAll();
    const countsIndices = await indexNames(target, `${collector.indexPrefix}-counts-*`);
    expect(countsIndices.length).toBe(new Set(quietHours.map((hour) => Math.floor(hour / DAY_MS))).size);
    const token = collector.tokens.read;
    const from = new Date(end - 4 * DAY_MS).toISOString();
    const to = new Date(end + 1000).toISOString();
    const before = await answers(collector.url, token, from, to);
    expect(before.all.total).toEqual({ value: EVENTS, relation: 'eq' });
    const templatesBefore = await target.admin.indices.getIndexTemplate({ name: `${collector.indexPrefix}-*` });

    // The backup user's own config: the collector's connection, another user.
    const config = join(dir, 'backup.yml');
    writeFileSync(
      config,
      stringify({
        data_dir: join(dir, 'es-backup-data'),
        elasticsearch: {
          url: es.url,
          username: BACKUP_USER,
          password_file: es.passwordFiles.backup,
          tls: { ca: es.caFile },
          index_prefix: collector.indexPrefix,
        },
      }),
    );
    const backup = (...args: string[]) =>
      runLogship(['backup', ...args, '--config', config, '--repository', repository]);
    const created = await backup('create', '--location', join(es.repoDir, repository));
    expect(created.stderr).not.toContain('BACKUP_');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(
      new RegExp(
        `^created ${collector.indexPrefix}-\\S+ in repository ${repository}: \\d+ indices, \\d+ shards, ${EVENTS} events, 0 dead letters`,
      ),
    );

    // The disaster: the indices and the templates are gone.
    await deleteIndices(`${collector.indexPrefix}-*`, target);
    await target.admin.indices.deleteIndexTemplate({ name: `${collector.indexPrefix}-*` });
    expect((await target.admin.count({ index: `${collector.indexPrefix}-*`, allow_no_indices: true })).count).toBe(0);
    // Counts were not saved: each index is snapshotted at its own moment. One left behind for a restored day (an
    // operator deleted the events only) would not describe the restored events: the restore deletes it.
    const snapshots = await target.admin.snapshot.get({ repository, snapshot: '*' });
    expect(snapshots.snapshots?.flatMap((snap) => snap.indices ?? []).filter((i) => i.includes('-counts-'))).toEqual(
      [],
    );
    const stale = countsIndices[0]!;
    await target.admin.index({ index: stale, document: { kind: 'seal', t: 0, count: 1, of: 1 }, refresh: true });

    const verified = await backup('verify');
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^verified \S+: SUCCESS, \d+ indices, \d+ shards, 0 failed/);
    const started = Date.now();
    const restored = await backup('restore');
    const restoreMs = Date.now() - started;
    expect(restored.stderr).not.toContain('BACKUP_');
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(new RegExp(`^restored \\S+: \\d+ indices, ${EVENTS} events, 0 dead letters`));
    console.error(`Elasticsearch restore drill: ${EVENTS} events restored in ${restoreMs} ms.`);
    expect(await indexNames(target, `${collector.indexPrefix}-counts-*`)).toEqual([]);
    // Restoring over the indices now present is refused, and changes nothing.
    const again = await backup('restore');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('BACKUP_RESTORE_CONFLICT');

    const templatesAfter = await target.admin.indices.getIndexTemplate({ name: `${collector.indexPrefix}-*` });
    expect(templatesAfter.index_templates.map((t) => t.name).sort()).toEqual(
      templatesBefore.index_templates.map((t) => t.name).sort(),
    );
    expect(await answers(collector.url, token, from, to)).toEqual(before);
    // Counted anew from the restored events, the histogram is still the same.
    await countAll();
    expect(await answers(collector.url, token, from, to)).toEqual(before);
  });
});

/** The events the counts of a prefix were made from: the sum of its hours' seals. */
async function sealed(target: EsTarget, prefix: string): Promise<number> {
  const response = await target.admin.search<unknown, { n: { value: number } }>({
    index: `${prefix}-counts-*`,
    size: 0,
    query: { term: { kind: 'seal' } },
    aggs: { n: { sum: { field: 'count' } } },
  });
  return response.aggregations?.n.value ?? -1;
}

async function indexNames(target: EsTarget, pattern: string): Promise<string[]> {
  const rows = (await target.admin.cat.indices({ index: pattern, format: 'json', h: 'index' })) as { index: string }[];
  return rows.map((r) => r.index).sort();
}
