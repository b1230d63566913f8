import { Client } from '@elastic/elasticsearch';
import { deleteIndices, testEsUrl } from '../support/elasticsearch.js';

// The suite's real Elasticsearch (started by the jest global setup): the other integration tests rely on it.
describe('the test Elasticsearch', () => {
  const client = new Client({ node: testEsUrl() });
  const index = `t-harness-${process.pid}-${Date.now()}`;

  afterAll(async () => {
    await deleteIndices('t-harness-*');
    await client.close();
  });

  it('is a single node whose cluster is green or yellow', async () => {
    // info() and ping() need `GET /`, which the minimal distribution lacks: cluster health is the readiness check.
    const health = await client.cluster.health();
    expect(['green', 'yellow']).toContain(health.status);
    expect(health.number_of_nodes).toBe(1);
    expect(health.number_of_data_nodes).toBe(1);
  });

  it('creates an index, counts a refreshed document exactly and deletes the index', async () => {
    await client.indices.create({ index, settings: { number_of_shards: 1, number_of_replicas: 0 } });
    const written = await client.index({
      index,
      id: 'e1',
      op_type: 'create',
      refresh: true,
      document: { '@timestamp': '2026-11-26T10:00:00.123Z', message: 'harness check' },
    });
    expect(written.result).toBe('created');

    const { count } = await client.count({ index });
    expect(count).toBe(1);
    const found = await client.search({ index, query: { match: { message: 'harness' } } });
    expect(found.hits.hits.map((h) => h._id)).toEqual(['e1']);

    await client.indices.delete({ index });
    expect(await client.indices.exists({ index })).toBe(false);
  });
});
