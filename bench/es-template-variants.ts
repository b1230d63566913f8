/**
 * What each change to the event index template costs or saves (issue 19): the same stored documents are bulk-written
 * into one index per variant of the template as shipped (index-templates.ts), each force-merged to one segment, then
 * searched. Used by es-sizing.ts (LOGSHIP_BENCH_TEMPLATES=1); the figures are relative within one run.
 */
import { loadavg } from 'node:os';
import type { Client, estypes } from '@elastic/elasticsearch';
import { parseQuery } from '../collector/query/parse-query.js';
import { EXPORT_PAGE } from '../collector/export/export-stream.js';
import { storedDocument } from '../collector/store/elasticsearch/es-document.js';
import { eventQuery, eventSort } from '../collector/store/elasticsearch/es-read.js';
import { eventTemplate } from '../collector/store/elasticsearch/index-templates.js';

type Template = NonNullable<estypes.IndicesPutIndexTemplateRequest['template']>;
type Properties = Record<string, estypes.MappingProperty>;

/** A change to the template as shipped, applied to a copy of it. */
interface Variant {
  name: string;
  /** Why it is tried, and what it would take away. */
  note: string;
  change(template: Template): void;
}

function settings(template: Template): Record<string, unknown> {
  return (template.settings ??= {}) as Record<string, unknown>;
}

function property(template: Template, path: string): estypes.MappingProperty {
  let level = template.mappings!.properties as Properties;
  const parts = path.split('.');
  for (const part of parts.slice(0, -1)) level = (level[part] as estypes.MappingObjectProperty).properties!;
  return level[parts.at(-1)!]!;
}

function setProperty(template: Template, path: string, value: estypes.MappingProperty): void {
  let level = template.mappings!.properties as Properties;
  const parts = path.split('.');
  for (const part of parts.slice(0, -1)) level = (level[part] as estypes.MappingObjectProperty).properties!;
  level[parts.at(-1)!] = value;
}

/** The template before synthetic _source (until December 2026): `_source` stored whole, every field indexed. */
function storedSource(template: Template): void {
  delete settings(template)['index.mapping.source.mode'];
  delete settings(template)['index.mapping.synthetic_source_keep'];
  for (const path of ['event.id', 'log.offset']) {
    const { index: _, ...indexed } = property(template, path) as estypes.MappingKeywordProperty;
    setProperty(template, path, indexed);
  }
  for (const path of ['source.ip', 'client.ip', 'destination.ip']) setProperty(template, path, { type: 'ip' });
}

export const VARIANTS: readonly Variant[] = [
  {
    name: 'as shipped',
    note: 'index-templates.ts as it is: synthetic _source, event.id and log.offset doc values only',
    change: () => {},
  },
  {
    name: 'stored _source (before)',
    note: 'the template before: _source stored whole, event.id and log.offset indexed',
    change: storedSource,
  },
  {
    name: 'stored _source, best_compression',
    note: 'the template before, its stored fields in larger zstd blocks',
    change: (t) => {
      storedSource(t);
      settings(t)['index.codec'] = 'best_compression';
    },
  },
  {
    name: 'synthetic _source, event.id and log.offset indexed',
    note: "what the two fields' own index costs on top of synthetic _source",
    change: (t) => {
      for (const path of ['event.id', 'log.offset']) {
        const { index: _, ...indexed } = property(t, path) as estypes.MappingKeywordProperty;
        setProperty(t, path, indexed);
      }
    },
  },
  {
    name: 'codec best_compression',
    note: 'as shipped, the stored fields left (message, _id) in larger zstd blocks',
    change: (t) => void (settings(t)['index.codec'] = 'best_compression'),
  },
  {
    name: 'index sort @timestamp desc',
    note: 'as shipped, segments ordered newest first',
    change: (t) => {
      settings(t)['index.sort.field'] = '@timestamp';
      settings(t)['index.sort.order'] = 'desc';
    },
  },
  {
    name: 'message without positions',
    note: 'index_options freqs: saves the positions, but phrases ("a b") could no longer be searched — not shippable',
    change: (t) => setProperty(t, 'message', { type: 'text', norms: false, index_options: 'freqs' }),
  },
];

export interface VariantRow {
  variant: string;
  note: string;
  bytes_per_event: number;
  bytes_vs_shipped: number;
  bulk_events_per_second: number;
  search_p50_ms: number;
  /** A page as an export reads it: the oldest EXPORT_PAGE documents of the window, every one fetched. */
  export_page_p50_ms: number;
  histogram_p50_ms: number;
  load_average: number;
}

/** The stored documents of `index` (up to `limit`), as `[id, source]` pairs, oldest segment first. */
export async function readDocuments(client: Client, index: string, limit: number): Promise<[string, unknown][]> {
  const docs: [string, unknown][] = [];
  let page = await client.search({ index, scroll: '2m', size: 5000, sort: ['_doc'] });
  while (page.hits.hits.length > 0 && docs.length < limit) {
    // As written, not in the shape synthetic _source gives back, so the variant that stores _source stores that.
    for (const hit of page.hits.hits)
      if (docs.length < limit) docs.push([hit._id!, storedDocument(hit._source as Record<string, unknown>)]);
    page = await client.scroll({ scroll_id: page._scroll_id!, scroll: '2m' });
  }
  if (page._scroll_id) await client.clearScroll({ scroll_id: page._scroll_id });
  return docs;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function primaryBytes(client: Client, index: string): Promise<number> {
  const rows = (await client.cat.indices({ index, format: 'json', bytes: 'b', h: 'pri.store.size' })) as {
    'pri.store.size'?: string;
  }[];
  return rows.reduce((sum, r) => sum + Number(r['pri.store.size'] ?? 0), 0);
}

/**
 * Writes `docs` into one index per variant and measures each; the first row is the template as shipped. The search
 * (`searchQuery`, a page of 100 newest first, as the UI asks) should match many of the documents, so that its p50
 * includes fetching 100 documents' `_source`.
 */
export async function measureVariants(
  client: Client,
  docs: readonly [string, unknown][],
  searchQuery = 'error OR failed',
): Promise<VariantRow[]> {
  const bodies: string[] = [];
  for (let i = 0; i < docs.length; i += 2000)
    bodies.push(
      docs
        .slice(i, i + 2000)
        .map(([id, source]) => `{"create":{"_id":${JSON.stringify(id)}}}\n${JSON.stringify(source)}\n`)
        .join(''),
    );
  let [first, last] = [Infinity, -Infinity];
  for (const [, source] of docs) {
    const t = Date.parse((source as { '@timestamp': string })['@timestamp']);
    [first, last] = [Math.min(first, t), Math.max(last, t)];
  }
  const [from, to] = [new Date(first), new Date(last)];
  const rows: VariantRow[] = [];
  for (const variant of VARIANTS) {
    const index = `variant-${variant.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
    const template = structuredClone(eventTemplate('variant', { replicas: 0, codec: 'default' }).template!);
    variant.change(template);
    await client.indices.delete({ index, ignore_unavailable: true });
    await client.indices.create({ index, settings: template.settings!, mappings: template.mappings! });
    const started = performance.now();
    let next = 0;
    const sender = async () => {
      for (let b = next++; b < bodies.length; b = next++) {
        const res = await client.bulk({ index, body: bodies[b]!, refresh: false } as estypes.BulkRequest);
        if (res.errors) throw new Error(`bulk into ${index} failed: ${JSON.stringify(res.items[0]).slice(0, 300)}`);
      }
    };
    await Promise.all([sender(), sender()]);
    await client.indices.refresh({ index });
    const seconds = (performance.now() - started) / 1000;
    await client.indices.forcemerge({ index, max_num_segments: 1 });
    const bytes = await primaryBytes(client, index);
    const timed = async (body: estypes.SearchRequest) => {
      const ms: number[] = [];
      for (let i = 0; i < 25; i++) {
        const t = performance.now();
        await client.search({ index, ...body });
        if (i >= 5) ms.push(performance.now() - t);
      }
      return +percentile(ms, 50).toFixed(1);
    };
    const search = await timed({
      size: 100,
      track_total_hits: 1_000_000,
      sort: eventSort('desc'),
      query: eventQuery(parseQuery(searchQuery), from, to),
    });
    const exportPage = await timed({
      size: EXPORT_PAGE,
      track_total_hits: false,
      sort: eventSort('asc'),
      query: eventQuery(parseQuery(''), from, to),
    });
    const histogram = await timed({
      size: 0,
      track_total_hits: false,
      query: eventQuery(parseQuery(''), from, to),
      aggs: {
        t: {
          date_histogram: { field: '@timestamp', fixed_interval: '1h', min_doc_count: 1 },
          aggs: { by: { terms: { field: 'host.name', size: 50 } } },
        },
      },
    });
    const perEvent = bytes / docs.length;
    rows.push({
      variant: variant.name,
      note: variant.note,
      bytes_per_event: +perEvent.toFixed(1),
      bytes_vs_shipped: rows[0] ? +(perEvent / rows[0].bytes_per_event - 1).toFixed(3) : 0,
      bulk_events_per_second: Math.round(docs.length / seconds),
      search_p50_ms: search,
      export_page_p50_ms: exportPage,
      histogram_p50_ms: histogram,
      load_average: +loadavg()[0]!.toFixed(2),
    });
    console.log(JSON.stringify(rows.at(-1)));
    await client.indices.delete({ index });
  }
  return rows;
}
