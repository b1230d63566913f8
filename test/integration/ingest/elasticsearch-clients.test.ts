import { Client, errors } from '@elastic/elasticsearch';
import type { Hit } from '../../../protocol/event.js';
import { refresh, startTestCollector, type TestCollector } from '../../support/collector-harness.js';
import { runPythonScript } from '../../support/python.js';

/**
 * The official Elasticsearch clients, unchanged, against logship's Elasticsearch-compatible door: the JavaScript
 * client in this process, the Python client (from PyPI) as a subprocess. Each call must parse without error, and
 * every document must be stored exactly once.
 */
let collector: TestCollector;

beforeAll(async () => {
  collector = await startTestCollector('es-clients');
});
afterAll(async () => {
  await collector?.dispose();
});

/** Every stored event of one run (`labels.run`), oldest first. */
async function storedOf(run: string): Promise<Hit[]> {
  await refresh(collector);
  const url = new URL(`${collector.url}/api/v1/search`);
  for (const [k, v] of Object.entries({ q: `run:${run}`, from: 'now-1h', to: 'now+1h', limit: '10000', order: 'asc' }))
    url.searchParams.set(k, v);
  const res = await fetch(url, { headers: { authorization: `Bearer ${collector.tokens.read}` } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { hits: Hit[]; total: { value: number; relation: string } };
  expect(body.total.relation).toBe('eq');
  return body.hits;
}

/** How many stored events of each `message`; a document stored twice shows as a count of 2. */
function countsByMessage(hits: Hit[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const h of hits) counts.set(h.message, (counts.get(h.message) ?? 0) + 1);
  return counts;
}

describe('the official Elasticsearch clients', () => {
  it('JavaScript client: connection check, index, create, bulk and helpers.bulk, each document stored once', async () => {
    const run = `js${process.pid}`;
    const doc = (kind: string, n: number) => ({ message: `js ${kind} ${n}`, service: 'js-client', run });
    const es = new Client({ node: collector.url, auth: { username: 'logship', password: collector.tokens.ingest } });
    const stranger = new Client({ node: collector.url, auth: { username: 'logship', password: 'lsp_not-a-token' } });
    try {
      expect((await es.info()).version.number).toBe('8.17.0');
      expect(await es.ping()).toBe(true);
      // As against Elasticsearch, the JavaScript client's ping() rejects a 401 (the Python one answers False).
      const refused = await stranger.ping().then(
        () => 'answered',
        (err: unknown) => err,
      );
      expect((refused as errors.ResponseError).statusCode).toBe(401);

      const indexed = [];
      for (let n = 0; n < 3; n++) indexed.push(await es.index({ index: 'app-logs', document: doc('index', n) }));
      expect(indexed.map((r) => r.result)).toEqual(['created', 'created', 'created']);
      expect(new Set(indexed.map((r) => r._id)).size).toBe(3);

      const withId = await es.index({ index: 'app-logs', id: `${run}-id`, document: doc('index-id', 0) });
      expect([withId._id, withId.result]).toEqual([`${run}-id`, 'created']);
      const again = await es.index({ index: 'app-logs', id: `${run}-id`, document: doc('index-id', 0) });
      expect(again.result).toBe('noop');

      expect((await es.create({ index: 'app-logs', id: `${run}-create`, document: doc('create', 0) })).result).toBe(
        'created',
      );
      const conflict = await es.create({ index: 'app-logs', id: `${run}-create`, document: doc('create', 0) }).then(
        () => 'stored',
        (err: unknown) => err,
      );
      expect(conflict).toBeInstanceOf(errors.ResponseError);
      expect((conflict as errors.ResponseError).statusCode).toBe(409);

      const bulk = await es.bulk({
        operations: Array.from({ length: 200 }, (_, n) => [{ index: { _index: 'app-logs' } }, doc('bulk', n)]).flat(),
      });
      expect(bulk.errors).toBe(false);
      expect(bulk.items.map((i) => i.index?.status)).toEqual(Array(200).fill(201));

      const helped = await es.helpers.bulk({
        datasource: Array.from({ length: 1000 }, (_, n) => doc('helpers-bulk', n)),
        onDocument: () => ({ index: { _index: 'app-logs' } }),
        flushBytes: 16 * 1024,
      });
      expect([helped.total, helped.successful, helped.failed, helped.retry]).toEqual([1000, 1000, 0, 0]);

      const counts = countsByMessage(await storedOf(run));
      // 3 index + 1 index with id + 1 create + 200 bulk + 1000 helpers.bulk.
      expect(counts.size).toBe(1205);
      expect([...counts.values()].filter((c) => c !== 1)).toEqual([]);
    } finally {
      await es.close();
      await stranger.close();
    }
  });

  it('Python client: connection check, index, create, bulk and helpers.bulk, each document stored once', async () => {
    const run = `py${process.pid}`;
    const out = JSON.parse(
      await runPythonScript('es_client.py', [collector.url, collector.tokens.ingest, run]),
    ) as Record<string, unknown>;
    expect(out).toEqual({
      info_version: '8.17.0',
      ping: true,
      ping_without_token: false,
      index: ['created', 'created', 'created'],
      index_with_id: 'created',
      index_with_id_again: 'noop',
      create: 'created',
      create_again: 409,
      bulk: { errors: false, items: 200, statuses: [201] },
      helpers_bulk: { ok: 1000, errors: [] },
    });
    const counts = countsByMessage(await storedOf(run));
    expect(counts.size).toBe(1205);
    expect([...counts.values()].filter((c) => c !== 1)).toEqual([]);
  });
});
