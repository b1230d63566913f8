import pino from 'pino';
import { collectorConfig } from '../../../collector/config.js';
import { esStoreOptions } from '../../../collector/store/create-store.js';
import type { StoredEvent } from '../../../collector/store/ecs-document.js';
import { EsStore } from '../../../collector/store/elasticsearch/es-store.js';
import {
  deleteCollectorPrefix,
  deleteIndices,
  ES_START_TIMEOUT_MS,
  esTarget,
  refreshIndices,
  type EsTarget,
} from '../../support/elasticsearch.js';

/**
 * `elasticsearch.codec`: a collector started with `best_compression` creates its new days with it, a day created
 * before keeps the default, and both read the same. The same 2,000 lines go into each day, so the stored fields of
 * the two days compare.
 */
const prefix = `t-codec-${process.pid}`;
const PLAIN_DAY = `${prefix}-2026.11.20`;
const COMPACT_DAY = `${prefix}-2026.11.21`;
const LINES = 2000;
let target: EsTarget;
const stores: EsStore[] = [];

/** Line `n` of a day: an access log's shape, the same text on both days. */
function events(day: string, idPrefix: string): StoredEvent[] {
  return Array.from({ length: LINES }, (_, n) => {
    const id = `${idPrefix}-${n}`;
    const timestamp = new Date(Date.parse(`${day}T08:00:00.000Z`) + n * 1000).toISOString();
    return {
      id,
      doc: {
        '@timestamp': timestamp,
        message: `203.0.113.${n % 250} - - "GET /api/orders/${(n * 7919) % 100_000} HTTP/1.1" ${n % 9 ? 200 : 503} ${(n * 31) % 5000}`,
        host: { name: `web-${n % 3}` },
        log: { level: 'info', file: { path: '/var/log/nginx/access.log' }, offset: n * 90 },
        event: { id, ingested: timestamp, dataset: 'plain' },
      },
    };
  });
}

async function storeWith(codec: 'default' | 'best_compression'): Promise<EsStore> {
  const config = collectorConfig({ elasticsearch: { ...target.settings, index_prefix: prefix, codec } });
  const store = new EsStore(esStoreOptions(config), pino({ level: 'silent' }));
  stores.push(store);
  await store.init();
  return store;
}

beforeAll(async () => {
  target = await esTarget('plain');
  await deleteIndices(`${prefix}-*`, target);
  const plain = await storeWith('default');
  expect((await plain.write(events('2026-11-20', 'plain'))).accepted).toBe(LINES);
  // A restart with the setting: the templates are put again, and the next day is created with it.
  const compact = await storeWith('best_compression');
  expect((await compact.write(events('2026-11-21', 'compact'))).accepted).toBe(LINES);
  await refreshIndices(`${prefix}-*`, target);
}, ES_START_TIMEOUT_MS);

afterAll(async () => {
  for (const store of stores) await store.close();
  await deleteCollectorPrefix(prefix, target);
});

describe('elasticsearch.codec', () => {
  it('creates the days after it is set with best_compression, keeps the day before as it was, and stores less', async () => {
    const settings = await target.admin.indices.getSettings({ index: `${prefix}-*`, flat_settings: true });
    const codec = (index: string) => settings[index]?.settings?.['index.codec'] ?? 'default';
    expect([codec(PLAIN_DAY), codec(COMPACT_DAY)]).toEqual(['default', 'best_compression']);
    await target.admin.indices.forcemerge({ index: `${prefix}-*`, max_num_segments: 1 });
    const storedBytes = async (index: string) => {
      const usage = (await target.admin.transport.request({
        method: 'POST',
        path: `/${index}/_disk_usage`,
        querystring: { run_expensive_tasks: 'true' },
      })) as Record<string, { all_fields: { stored_fields_in_bytes: number } }>;
      return usage[index]!.all_fields.stored_fields_in_bytes;
    };
    const [plain, compact] = [await storedBytes(PLAIN_DAY), await storedBytes(COMPACT_DAY)];
    expect(plain).toBeGreaterThan(0);
    expect(compact).toBeLessThan(plain * 0.9);
  });

  it('reads both days alike', async () => {
    const store = stores.at(-1)!;
    const window = { from: new Date('2026-11-20T00:00:00.000Z'), to: new Date('2026-11-22T00:00:00.000Z') };
    const page = await store.search({ query: { kind: 'all' }, ...window, limit: 10_000, order: 'asc' });
    expect(page.hits.length).toBe(2 * LINES);
    expect(page.hits[0]!.message).toBe(page.hits[LINES]!.message);
    expect(page.hits.at(-1)!.message).toBe(page.hits[LINES - 1]!.message);
    for (const id of ['plain-17', 'compact-17'])
      expect((await store.event(id))?.doc.message).toBe(events('2026-11-20', 'x')[17]!.doc.message);
  });
});
