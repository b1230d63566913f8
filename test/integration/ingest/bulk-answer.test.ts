import { Client } from '@elastic/elasticsearch';
import pino from 'pino';
import type { StoredEvent } from '../../../collector/store/ecs-document.js';
import { BULK_FILTER, EsWriter } from '../../../collector/store/elasticsearch/es-writer.js';
import {
  ALL_STORED_PREFIX,
  BulkAnswerSerializer,
} from '../../../collector/store/elasticsearch/bulk-answer-serializer.js';
import { testEsUrl } from '../../support/elasticsearch.js';

const prefix = `bulk-answer-${process.pid}`;

function event(i: number): StoredEvent {
  const at = new Date(Date.UTC(2026, 11, 5, 10, 0, 0, i)).toISOString();
  return {
    id: `id-${i}`,
    doc: { '@timestamp': at, message: `line ${i}`, event: { id: `id-${i}`, ingested: at, dataset: 'generic' } },
  };
}

/** The writer's own bulk request, sent as it sends it, and Elasticsearch's answer as text. */
async function rawBulk(events: StoredEvent[]): Promise<string> {
  const body = events
    .map((e) => `{"create":{"_index":"${prefix}-2026.12.05","_id":"${e.id}"}}\n${JSON.stringify(e.doc)}\n`)
    .join('');
  const res = await fetch(`${testEsUrl()}/_bulk?filter_path=${encodeURIComponent(BULK_FILTER)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body,
  });
  expect(res.status).toBe(200);
  return res.text();
}

describe('the answer to the collector’s bulk writes, from the real Elasticsearch', () => {
  const admin = new Client({ node: testEsUrl() });
  afterAll(async () => {
    await admin.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true, allow_no_indices: true });
    await admin.close();
  });

  it('starts with the prefix the store client skips when every item went in, and not when one was a duplicate', async () => {
    const first = await rawBulk([event(0), event(1), event(2)]);
    expect(first.startsWith(ALL_STORED_PREFIX)).toBe(true);
    expect(JSON.parse(first)).toEqual({ errors: false, items: [0, 1, 2].map(() => ({ create: { status: 201 } })) });
    const again = await rawBulk([event(2), event(3)]);
    expect(again.startsWith(ALL_STORED_PREFIX)).toBe(false);
    expect(
      (JSON.parse(again) as { items: { create: { status: number } }[] }).items.map((i) => i.create.status),
    ).toEqual([409, 201]);
  });

  it('stores 2,500 new events as 2,500 accepted and a resend as 2,500 duplicates, through the store’s reader', async () => {
    const client = new Client({ node: testEsUrl(), Serializer: BulkAnswerSerializer });
    const writer = new EsWriter(
      client,
      { indexPrefix: `${prefix}-w`, bulkMaxEvents: 1000, bulkConcurrency: 2, bulkMaxQueued: 10 },
      pino({ level: 'silent' }),
    );
    const events = Array.from({ length: 2500 }, (_, i) => event(i));
    expect(await writer.write(events)).toEqual({ accepted: 2500, duplicates: 0, failures: [] });
    const again = await writer.write(events);
    expect(again.accepted).toBe(0);
    expect(again.duplicates).toBe(2500);
    expect(again.failures).toEqual([]);
    await admin.indices.refresh({ index: `${prefix}-w-*` });
    expect((await admin.count({ index: `${prefix}-w-*` })).count).toBe(2500);
    await client.close();
  });
});
