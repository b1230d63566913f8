/**
 * What each change to the event index template costs or saves on the growth run's short lines (es-growth.ts, issue
 * 19 goal 5), where what a document stores beside its message weighs most: the first LOGSHIP_BENCH_TEMPLATE_EVENTS
 * (default 300,000) events of the 10,000,000-event set (30 hosts, 7 days, so a day holds as many events as there),
 * built into stored documents by the collector's own normaliser, then measured per variant as es-sizing.ts does
 * with the real fixtures (es-template-variants.ts). Bytes are also put against the events' raw lines.
 *
 *   npm run build && flock /tmp/logship-bench.lock node dist/bench/es-template-growth.js
 *   LOGSHIP_BENCH_ES_PORT (default 19330), LOGSHIP_BENCH_ES_HEAP (default 1g); LOGSHIP_BENCH_IDS=shipper gives the
 *   events ids as a shipper makes them (~22 characters, against `b-<n>`) and writes es-template-growth-shipper-ids
 */
import { Client } from '@elastic/elasticsearch';
import { benchElasticsearch } from './bench-elasticsearch.js';
import { storedEvents } from './growth-events.js';
import { dataShape, SHIPPER_IDS } from './growth-shape.js';
import { measureVariants } from './es-template-variants.js';
import { writeResults } from './results-file.js';

const EVENTS = Number(process.env.LOGSHIP_BENCH_TEMPLATE_EVENTS ?? 300_000);

async function main(): Promise<void> {
  const shape = dataShape({ events: 10_000_000, hosts: 30, days: 7 });
  const set = { shape, end: Date.parse('2026-12-06T00:00:00.000Z'), idPrefix: 'b', seed: 7, shipperIds: SHIPPER_IDS };
  const docs = storedEvents(set, EVENTS).map((e): [string, unknown] => [e.id, e.doc]);
  let raw = 0;
  for (const [, doc] of docs) raw += Buffer.byteLength((doc as { message: string }).message) + 1;
  const es = await benchElasticsearch('template-growth', 19330);
  const client = new Client({ node: es.url, requestTimeout: 600_000 });
  try {
    // About one event in four has the word: every search fills its page of 100.
    const rows = await measureVariants(client, docs, 'timeout');
    const rawPerEvent = raw / docs.length;
    const report = {
      when: new Date().toISOString(),
      source: `node dist/bench/es-template-growth.js (LOGSHIP_BENCH_TEMPLATE_EVENTS=${EVENTS}${SHIPPER_IDS ? ', LOGSHIP_BENCH_IDS=shipper' : ''})`,
      events: docs.length,
      raw_bytes_per_event: +rawPerEvent.toFixed(1),
      rows: rows.map((r) => ({ ...r, bytes_per_raw_byte: +(r.bytes_per_event / rawPerEvent).toFixed(2) })),
    };
    console.log(JSON.stringify(report, null, 2));
    writeResults(SHIPPER_IDS ? 'es-template-growth-shipper-ids' : 'es-template-growth', report);
  } finally {
    await client.close();
    await es.stop();
  }
}

await main();
