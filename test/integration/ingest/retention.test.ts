import pino from 'pino';
import { EsStore } from '../../../collector/store/elasticsearch/es-store.js';
import { deleteIndices, testEsUrl } from '../../support/elasticsearch.js';
import { startTestCollector } from '../../support/collector-harness.js';
import { waitFor } from '../../support/processes.js';

/** Retention deletes whole daily indices by name, events and dead letters on their own clocks. */
const prefix = `t-retention-${process.pid}`;
const DAY = 86_400_000;
const day = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString().slice(0, 10).replaceAll('-', '.');

async function createIndex(name: string): Promise<void> {
  const res = await fetch(`${testEsUrl()}/${name}`, { method: 'PUT' });
  if (!res.ok) throw new Error(`creating ${name}: ${res.status} ${await res.text()}`);
}

async function indices(pattern: string): Promise<string[]> {
  const res = await fetch(`${testEsUrl()}/_cat/indices/${pattern}?format=json&h=index&expand_wildcards=all`);
  return ((await res.json()) as { index: string }[]).map((r) => r.index).sort();
}

afterAll(async () => {
  await deleteIndices(`${prefix}-*`);
  await deleteIndices(`${prefix}x-*`);
});

describe('retention', () => {
  it('deletes event days past retention_days and dead-letter days past deadletter_retention_days only', async () => {
    const store = new EsStore(
      {
        nodes: [testEsUrl()],
        indexPrefix: prefix,
        replicas: 0,
        bulkMaxEvents: 1000,
        bulkConcurrency: 1,
        bulkMaxQueued: 1,
        requestTimeoutMs: 30_000,
        searchTimeoutMs: 10_000,
        exactTotalUpTo: 1000,
      },
      pino({ level: 'silent' }),
    );
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
    const p = `t-retstart-${process.pid}`;
    await createIndex(`${p}-${day(3)}`);
    await createIndex(`${p}-deadletter-${day(3)}`);
    await createIndex(`${p}-deadletter-${day(4)}`);
    const collector = await startTestCollector('retstart', { retention_days: 2, deadletter_retention_days: 3 });
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
