import type { Client } from '@elastic/elasticsearch';
import pino from 'pino';
import type { StoredEvent } from '../../../../collector/store/ecs-document.js';
import { EsWriter } from '../../../../collector/store/elasticsearch/es-writer.js';

function event(id: string, timestamp = '2026-12-05T10:00:00.000Z'): StoredEvent {
  return { id, doc: { '@timestamp': timestamp, message: id, event: { id, ingested: timestamp, dataset: 'generic' } } };
}

/**
 * A client that answers each bulk request item by item from `status` (by event id), and notes the ids of each body:
 * the write path's bookkeeping (which event an answer is about) without a server. The real server is in
 * test/integration/ingest.
 */
function fakeClient(status: (id: string) => number) {
  const bodies: string[][] = [];
  const client = {
    transport: {
      request: ({ bulkBody }: { bulkBody: Buffer }) => {
        const lines = bulkBody.toString('utf8').trimEnd().split('\n');
        const ids = lines
          .filter((_, i) => i % 2 === 0)
          .map((l) => (JSON.parse(l) as { create: { _id: string } }).create._id);
        bodies.push(ids);
        const items = ids.map((id) => {
          const s = status(id);
          return {
            create: s === 400 ? { status: s, error: { type: 'mapper_parsing_exception', reason: id } } : { status: s },
          };
        });
        return Promise.resolve({ errors: items.some((i) => i.create.status >= 300), items });
      },
    },
  };
  return { client: client as unknown as Client, bodies };
}

describe('EsWriter.openWrite', () => {
  it('cuts the events added one by one into bulks of bulkMaxEvents and names every answer by the order of adding', async () => {
    const { client, bodies } = fakeClient((id) => (id === 'e2' ? 400 : id === 'e5' || id === 'e6' ? 409 : 201));
    const writer = new EsWriter(
      client,
      { indexPrefix: 'logs', bulkMaxEvents: 3, bulkConcurrency: 2, bulkMaxQueued: 10 },
      pino({ level: 'silent' }),
    );
    const sink = writer.openWrite();
    for (let i = 0; i < 8; i++) sink.add(event(`e${i}`));
    // A time the store cannot keep is refused where it stands, and the next events keep their own indexes.
    sink.add(event('late', '2300-01-01T00:00:00.000Z'));
    sink.add(event('e9'));
    const outcome = await sink.finish();
    expect(bodies).toEqual([
      ['e0', 'e1', 'e2'],
      ['e3', 'e4', 'e5'],
      ['e6', 'e7', 'e9'],
    ]);
    expect(outcome.accepted).toBe(6);
    expect(outcome.duplicates).toBe(2);
    expect(outcome.duplicateIndexes).toEqual([5, 6]);
    expect(outcome.failures.map((f) => [f.index, f.code]).sort()).toEqual([
      [2, 'STORE_REJECTED'],
      [8, 'STORE_REJECTED'],
    ]);
    expect(outcome.failures.find((f) => f.index === 2)?.reason).toBe('mapper_parsing_exception: e2');
  });
});
