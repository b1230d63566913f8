/**
 * What reading documents costs with each way of keeping the events' `_source` (issue 19 goal 5: fewer bytes, reads
 * not slower): the same growth-run documents (LOGSHIP_BENCH_SOURCE_EVENTS, default 300,000: about five hours of the
 * 10,000,000-event week) in one force-merged index per variant, then every read kind that fetches documents, the
 * variants taking turns request by request so the machine's load falls on all of them alike:
 *
 *  - a search page of 100 newest first (a word in about one event in four, a 30-minute window moved each time);
 *  - a context: 50 events before an anchor and 50 after, as es-context.ts reads them;
 *  - an export page of 2,000 oldest first from a moving start;
 *  - one event by id.
 *
 *   npm run build && flock /tmp/logship-bench.lock node dist/bench/es-source-reads.js
 *   LOGSHIP_BENCH_ES_PORT (default 19340), LOGSHIP_BENCH_SOURCE_ROUNDS (default 60)
 */
import { loadavg } from 'node:os';
import { Client, type estypes } from '@elastic/elasticsearch';
import { EXPORT_PAGE } from '../collector/export/export-stream.js';
import { parseQuery } from '../collector/query/parse-query.js';
import { eventQuery, eventSort } from '../collector/store/elasticsearch/es-read.js';
import { eventTemplate } from '../collector/store/elasticsearch/index-templates.js';
import { benchElasticsearch } from './bench-elasticsearch.js';
import { storedEvents } from './growth-events.js';
import { dataShape, SHIPPER_IDS } from './growth-shape.js';
import { writeResults } from './results-file.js';

const EVENTS = Number(process.env.LOGSHIP_BENCH_SOURCE_EVENTS ?? 300_000);
const ROUNDS = Number(process.env.LOGSHIP_BENCH_SOURCE_ROUNDS ?? 60);
const WARMUP = 5;

type Settings = Record<string, unknown>;

/** How each variant's index differs from the template as shipped. */
const VARIANTS: { name: string; change(settings: Settings, mappings: estypes.MappingTypeMapping): void }[] = [
  { name: 'synthetic _source (as shipped)', change: () => {} },
  {
    name: 'stored _source (before)',
    change: (settings, mappings) => {
      delete settings['index.mapping.source.mode'];
      delete settings['index.mapping.synthetic_source_keep'];
      const event = (mappings.properties!.event as estypes.MappingObjectProperty).properties!;
      const log = (mappings.properties!.log as estypes.MappingObjectProperty).properties!;
      event.id = { type: 'keyword', ignore_above: 1024 };
      log.offset = { type: 'long' };
    },
  },
  {
    name: 'synthetic _source, best_compression',
    change: (settings) => void (settings['index.codec'] = 'best_compression'),
  },
  {
    // Documents in time order within each segment: a page's documents are neighbours, whose compressed blocks the
    // fetch reads once for many of them instead of once each.
    name: 'synthetic _source, best_compression, sorted by time',
    change: (settings) => {
      settings['index.codec'] = 'best_compression';
      settings['index.sort.field'] = ['@timestamp'];
      settings['index.sort.order'] = ['desc'];
    },
  },
];

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return +sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1);
}

async function main(): Promise<void> {
  const shape = dataShape({ events: 10_000_000, hosts: 30, days: 7 });
  const set = { shape, end: Date.parse('2026-12-06T00:00:00.000Z'), idPrefix: 'b', seed: 7, shipperIds: SHIPPER_IDS };
  const events = storedEvents(set, EVENTS);
  const bodies: string[] = [];
  for (let i = 0; i < events.length; i += 2000)
    bodies.push(
      events
        .slice(i, i + 2000)
        .map((e) => `{"create":{"_id":${JSON.stringify(e.id)}}}\n${JSON.stringify(e.doc)}\n`)
        .join(''),
    );
  const first = Date.parse(events[0]!.doc['@timestamp']);
  const last = Date.parse(events.at(-1)!.doc['@timestamp']);
  const es = await benchElasticsearch('source-reads', 19340);
  const client = new Client({ node: es.url, requestTimeout: 600_000 });
  try {
    const indices: string[] = [];
    const bytes: number[] = [];
    for (const [v, variant] of VARIANTS.entries()) {
      const index = `source-reads-${v}`;
      const template = structuredClone(eventTemplate('source-reads', { replicas: 0, codec: 'default' }).template!);
      variant.change(template.settings as Settings, template.mappings!);
      await client.indices.create({ index, settings: template.settings!, mappings: template.mappings! });
      for (const body of bodies) {
        const res = await client.bulk({ index, body } as estypes.BulkRequest);
        if (res.errors) throw new Error(`bulk into ${index}: ${JSON.stringify(res.items[0]).slice(0, 300)}`);
      }
      await client.indices.refresh({ index });
      await client.indices.forcemerge({ index, max_num_segments: 1 });
      const stats = await client.indices.stats({ index, metric: 'store' });
      bytes.push(stats._all.primaries!.store!.size_in_bytes / events.length);
      indices.push(index);
    }
    // Draws the same positions for every variant in a round.
    let seed = 11;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const kinds = ['search page of 100', 'context 50/50', `export page of ${EXPORT_PAGE}`, 'event by id'] as const;
    const times = VARIANTS.map(() => new Map<string, number[]>(kinds.map((k) => [k, []])));
    const loads: number[] = [];
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      const at = first + random() * (last - first - 1_800_000);
      const anchor = events[Math.floor(random() * events.length)]!;
      const anchorMs = Date.parse(anchor.doc['@timestamp']);
      const requests: Record<(typeof kinds)[number], estypes.SearchRequest[]> = {
        'search page of 100': [
          {
            size: 100,
            track_total_hits: 10_000,
            sort: eventSort('desc'),
            query: eventQuery(parseQuery('timeout'), new Date(at), new Date(at + 1_800_000)),
          },
        ],
        'context 50/50': (['desc', 'asc'] as const).map((order) => ({
          size: 50,
          track_total_hits: false,
          sort: eventSort(order),
          query: eventQuery(
            parseQuery(''),
            new Date(order === 'desc' ? anchorMs - 60_000 : anchorMs),
            new Date(order === 'desc' ? anchorMs : anchorMs + 60_000),
          ),
        })),
        [`export page of ${EXPORT_PAGE}`]: [
          {
            size: EXPORT_PAGE,
            track_total_hits: false,
            sort: eventSort('asc'),
            query: eventQuery(parseQuery(''), new Date(at), new Date(last)),
          },
        ],
        'event by id': [
          { size: 1, track_total_hits: false, sort: eventSort('asc'), query: { ids: { values: [anchor.id] } } },
        ],
      };
      for (const kind of kinds)
        for (const [v, index] of indices.entries()) {
          const started = performance.now();
          for (const request of requests[kind]) {
            const res = await client.search({ index, ...request });
            if (res.hits.hits.length === 0) throw new Error(`${kind} on ${index} found nothing`);
          }
          if (round >= WARMUP) times[v]!.get(kind)!.push(performance.now() - started);
        }
      if (round >= WARMUP) loads.push(loadavg()[0]!);
    }
    const rows = VARIANTS.map((variant, v) => ({
      variant: variant.name,
      bytes_per_event: +bytes[v]!.toFixed(1),
      reads: Object.fromEntries(
        kinds.map((k) => [k, { p50_ms: percentile(times[v]!.get(k)!, 50), p95_ms: percentile(times[v]!.get(k)!, 95) }]),
      ),
    }));
    const report = {
      when: new Date().toISOString(),
      source: `node dist/bench/es-source-reads.js (${EVENTS} events, ${ROUNDS} rounds, variants taking turns)`,
      events: EVENTS,
      load_average: [+Math.min(...loads).toFixed(2), +Math.max(...loads).toFixed(2)],
      rows,
    };
    console.log(JSON.stringify(report, null, 2));
    writeResults(SHIPPER_IDS ? 'es-source-reads-shipper-ids' : 'es-source-reads', report);
  } finally {
    await client.close();
    await es.stop();
  }
}

await main();
