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

  it('counts every event of a bulk answered "no errors" without items as stored: 7 events in 3 bulks, 7 accepted', async () => {
    const bodies: number[] = [];
    const client = {
      transport: {
        request: ({ bulkBody }: { bulkBody: Buffer }) => {
          bodies.push(bulkBody.toString('utf8').trimEnd().split('\n').length / 2);
          return Promise.resolve({ errors: false });
        },
      },
    } as unknown as Client;
    const writer = new EsWriter(
      client,
      { indexPrefix: 'logs', bulkMaxEvents: 3, bulkConcurrency: 2, bulkMaxQueued: 10 },
      pino({ level: 'silent' }),
    );
    const outcome = await writer.write(Array.from({ length: 7 }, (_, i) => event(`e${i}`)));
    expect(bodies).toEqual([3, 3, 1]);
    expect(outcome).toEqual({ accepted: 7, duplicates: 0, failures: [] });
  });

  it('retries the items refused for load with their own positions, a refused time before them included', async () => {
    let calls = 0;
    const { client, bodies } = fakeClient((id) => (id === 'e3' && calls++ === 0 ? 429 : id === 'e4' ? 409 : 201));
    const writer = new EsWriter(
      client,
      { indexPrefix: 'logs', bulkMaxEvents: 10, bulkConcurrency: 1, bulkMaxQueued: 10 },
      pino({ level: 'silent' }),
    );
    const sink = writer.openWrite();
    sink.add(event('e0'));
    sink.add(event('late', '2300-01-01T00:00:00.000Z'));
    for (let i = 2; i < 6; i++) sink.add(event(`e${i}`));
    const outcome = await sink.finish();
    expect(bodies).toEqual([['e0', 'e2', 'e3', 'e4', 'e5'], ['e3']]);
    expect(outcome.accepted).toBe(4);
    expect(outcome.duplicateIndexes).toEqual([4]);
    expect(outcome.failures.map((f) => f.index)).toEqual([1]);
  });
});
