import type { estypes } from '@elastic/elasticsearch';
import pino from 'pino';
import { collectorConfig } from '../../../collector/config.js';
import { esStoreOptions } from '../../../collector/store/create-store.js';
import { toHit, type StoredEvent } from '../../../collector/store/ecs-document.js';
import { EsStore } from '../../../collector/store/elasticsearch/es-store.js';
import { eventTemplate } from '../../../collector/store/elasticsearch/index-templates.js';
import {
  deleteCollectorPrefix,
  deleteIndices,
  ES_START_TIMEOUT_MS,
  esTarget,
  refreshIndices,
  type EsTarget,
} from '../../support/elasticsearch.js';

/**
 * The events' `_source` on Elasticsearch: rebuilt from the fields (synthetic) in every day's index created since,
 * kept whole in the days an earlier version's template created. An upgrade finds the earlier template and a day it
 * created; the collector puts its own template, writes on into that day and the next, and every read gives back the
 * documents as written from both days together.
 */
const prefix = `t-synthetic-${process.pid}`;
const OLD_DAY = `${prefix}-2026.11.20`;
const NEW_DAY = `${prefix}-2026.11.21`;
let target: EsTarget;
let store: EsStore;

/** An event as the collector stores a parsed line: flat parsed fields beside the core objects, labels and flags. */
function event(n: number, timestamp: string, host: string): StoredEvent {
  const id = `syn-${n}`;
  return {
    id,
    doc: {
      '@timestamp': timestamp,
      message: `203.0.113.${n} - - "GET /api/orders/${n} HTTP/1.1" ${n % 2 ? 200 : 503} ${100 + n} ✓`,
      host: { name: host },
      service: { name: 'api' },
      log: {
        level: n % 2 ? 'info' : 'error',
        file: { path: '/var/log/nginx/access.log' },
        offset: n * 181,
        ...(n % 3 === 0 ? { flags: ['truncated', 'invalid_utf8'] } : {}),
      },
      event: { id, ingested: '2026-11-22T00:00:01.000Z', created: timestamp, dataset: 'nginx' },
      labels: { env: 'prod', zone: n % 2 ? 'b' : 'a', ['__proto__']: `p${n}` },
      'http.request.method': 'GET',
      'url.path': `/api/orders/${n}`,
      'http.response.status_code': n % 2 ? 200 : 503,
      'http.response.body.bytes': 100 + n,
      'source.ip': `::ffff:203.0.113.${n}`,
      'log.logger': 'access',
      'host.hostname': `${host}.internal`,
    },
  };
}

/** Three events late on the old day, three early on the new one, from two hosts. */
const EVENTS: StoredEvent[] = [
  event(1, '2026-11-20T23:59:58.000Z', 'web-1'),
  event(2, '2026-11-20T23:59:59.000Z', 'web-2'),
  event(3, '2026-11-20T23:59:59.999Z', 'web-1'),
  event(4, '2026-11-21T00:00:00.000Z', 'web-2'),
  event(5, '2026-11-21T00:00:00.500Z', 'web-1'),
  event(6, '2026-11-21T00:00:02.000Z', 'web-2'),
];
const WRITTEN = new Map(EVENTS.map((e) => [e.id, toHit(e.id, e.doc)]));
const WINDOW = { from: new Date('2026-11-20T23:00:00.000Z'), to: new Date('2026-11-21T01:00:00.000Z') };

beforeAll(async () => {
  target = await esTarget('plain');
  await deleteIndices(`${prefix}-*`, target);
  // What an upgrade finds: the earlier template (whole _source) and a day it created.
  await target.admin.indices.putIndexTemplate(eventTemplate(prefix, { replicas: 0, codec: 'default' }, 'stored'));
  await target.admin.indices.create({ index: OLD_DAY });
  const config = collectorConfig({ elasticsearch: { ...target.settings, index_prefix: prefix } });
  store = new EsStore(esStoreOptions(config), pino({ level: 'silent' }));
  await store.init();
  const outcome = await store.write(structuredClone(EVENTS));
  expect([outcome.accepted, outcome.duplicates, outcome.failures.length]).toEqual([6, 0, 0]);
  await refreshIndices(`${prefix}-*`, target);
}, ES_START_TIMEOUT_MS);

afterAll(async () => {
  await store?.close();
  await deleteCollectorPrefix(prefix, target);
});

describe('synthetic _source on Elasticsearch', () => {
  it('creates each new day without a stored _source, and leaves the day the earlier template created as it was', async () => {
    const settings = await target.admin.indices.getSettings({ index: `${prefix}-*`, flat_settings: true });
    const mode = (index: string) => settings[index]?.settings?.['index.mapping.source.mode'] ?? 'stored';
    expect([mode(OLD_DAY), mode(NEW_DAY)]).toEqual(['stored', 'synthetic']);
    await target.admin.indices.flush({ index: `${prefix}-*` });
    const sourceBytes = async (index: string) => {
      const usage = (await target.admin.transport.request({
        method: 'POST',
        path: `/${index}/_disk_usage`,
        querystring: { run_expensive_tasks: 'true' },
      })) as Record<string, { fields: Record<string, { stored_fields_in_bytes?: number }> }>;
      return usage[index]!.fields._source?.stored_fields_in_bytes ?? 0;
    };
    expect(await sourceBytes(OLD_DAY)).toBeGreaterThan(0);
    expect(await sourceBytes(NEW_DAY)).toBe(0);
  });

  it('reads both days together exactly as written: a search, a context across midnight, a tail and each event', async () => {
    const page = await store.search({ query: { kind: 'all' }, ...WINDOW, limit: 10, order: 'asc' });
    expect(page.hits).toEqual(EVENTS.map((e) => WRITTEN.get(e.id)));
    const context = await store.context({ id: 'syn-3', before: 10, after: 10, hosts: [] });
    expect(context).toEqual({
      anchor: WRITTEN.get('syn-3'),
      before: ['syn-1', 'syn-2'].map((id) => WRITTEN.get(id)),
      after: ['syn-4', 'syn-5', 'syn-6'].map((id) => WRITTEN.get(id)),
    });
    const tail = await store.tail({
      query: { kind: 'all' },
      sinceMs: Date.parse('2026-11-22T00:00:00.000Z'),
      limit: 10,
    });
    expect(tail.map((t) => t.hit)).toEqual(EVENTS.map((e) => WRITTEN.get(e.id)));
    for (const written of EVENTS) expect(await store.event(written.id)).toEqual(written);
  });

  it('finds an event by its id on both days, from the _id', async () => {
    for (const id of ['syn-2', 'syn-5']) {
      const page = await store.search({
        query: { kind: 'term', field: 'event.id', value: id, phrase: false, wildcard: false },
        ...WINDOW,
        limit: 10,
        order: 'asc',
      });
      expect(page.hits.map((h) => h.id)).toEqual([id]);
    }
    const mapping = await target.admin.indices.getMapping({ index: NEW_DAY });
    const event = mapping[NEW_DAY]!.mappings.properties!.event as estypes.MappingObjectProperty;
    expect(event.properties!.id).toEqual({ type: 'keyword', index: false, ignore_above: 1024 });
  });
});
