import pino from 'pino';
import { collectorConfig } from '../../../collector/config.js';
import { esStoreOptions } from '../../../collector/store/create-store.js';
import { EsStore } from '../../../collector/store/elasticsearch/es-store.js';
import {
  deleteIndices,
  ES_START_TIMEOUT_MS,
  ES_TARGET_NAMES,
  esTarget,
  type EsTarget,
} from '../../support/elasticsearch.js';
import { startTestCollector } from '../../support/collector-harness.js';
import { waitFor } from '../../support/processes.js';

/** Retention deletes whole daily indices by name, events and dead letters on their own clocks. */
let target: EsTarget;
let prefix = '';
const DAY = 86_400_000;
const day = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString().slice(0, 10).replaceAll('-', '.');

async function createIndex(name: string): Promise<void> {
  await target.admin.indices.create({ index: name });
}

async function indices(pattern: string): Promise<string[]> {
  const rows = await target.admin.cat.indices({ index: pattern, format: 'json', h: 'index', expand_wildcards: 'all' });
  return (rows as { index: string }[]).map((r) => r.index).sort();
}

// On the plain Elasticsearch and on the secured one, where the collector deletes as its least-privileged user.
describe.each(ES_TARGET_NAMES)('retention on the %s Elasticsearch', (kind) => {
  beforeAll(async () => {
    target = await esTarget(kind);
    prefix = `t-retention-${kind}-${process.pid}`;
  }, ES_START_TIMEOUT_MS);
  afterAll(async () => {
    await deleteIndices(`${prefix}-*`, target);
    await deleteIndices(`${prefix}x-*`, target);
  });

  it('deletes event days past retention_days and dead-letter days past deadletter_retention_days only', async () => {
    const config = collectorConfig({ elasticsearch: { ...target.settings, index_prefix: prefix } });
    const store = new EsStore(esStoreOptions(config), pino({ level: 'silent' }));
    await store.init();
    const names = [
      `${prefix}-${day(0)}`,
      `${prefix}-${day(14)}`,
      `${prefix}-${day(15)}`,
      `${prefix}-${day(60)}`,
      `${prefix}-deadletter-${day(60)}`,
      `${prefix}-deadletter-${day(90)}`,
      `${prefix}-deadletter-${day(91)}`,
      `${prefix}-hosts`,
      `${prefix}x-${day(300)}`,
    ];
    for (const name of names) await createIndex(name);
    const outcome = await store.applyRetention({ retentionDays: 14, deadLetterRetentionDays: 90 }, new Date());
    expect(outcome.deleted).toEqual(
      [`${prefix}-${day(15)}`, `${prefix}-${day(60)}`, `${prefix}-deadletter-${day(91)}`].sort(),
    );
    expect(await indices(`${prefix}*`)).toEqual(
      [
        `${prefix}-${day(0)}`,
        `${prefix}-${day(14)}`,
        `${prefix}-deadletter-${day(60)}`,
        `${prefix}-deadletter-${day(90)}`,
        `${prefix}-hosts`,
        `${prefix}x-${day(300)}`,
      ].sort(),
    );
    // A second run finds nothing more to delete.
    expect(
      (await store.applyRetention({ retentionDays: 14, deadLetterRetentionDays: 90 }, new Date())).deleted,
    ).toEqual([]);
    await store.close();
  });

  it('runs when a collector starts, with the configured days', async () => {
    // The harness names a suite's indices t-<name>-<pid>; these exist before the collector starts.
    const p = `t-retstart-${kind}-${process.pid}`;
    await createIndex(`${p}-${day(3)}`);
    await createIndex(`${p}-deadletter-${day(3)}`);
    await createIndex(`${p}-deadletter-${day(4)}`);
    const collector = await startTestCollector(
      `retstart-${kind}`,
      { retention_days: 2, deadletter_retention_days: 3 },
      target,
    );
    try {
      expect(collector.indexPrefix).toBe(p);
      await waitFor(
        'start-up retention',
        async () => ((await indices(`${p}-*`)).length === 1 ? true : undefined),
        10_000,
      );
      expect(await indices(`${p}-*`)).toEqual([`${p}-deadletter-${day(3)}`]);
    } finally {
      await collector.dispose();
    }
  });
});
