import { errors, type Client, type estypes } from '@elastic/elasticsearch';
import { COUNTED_FIELDS } from '../count-slots.js';
import { dailyIndex } from '../daily-index.js';
import { KEYWORD_MAX_LENGTH, KNOWN_FIELDS, LABELS_PREFIX, type FieldType } from '../field-catalogue.js';

/** Index names and templates for Elasticsearch (docs/events.md). Core features only, so the minimal distribution works. */

/** The pattern that searches every event index but not the dead letters, the host heartbeats nor the alerts. */
export function searchPattern(prefix: string): string {
  return `${prefix}-*,-${deadLetterPattern(prefix)},-${countsPattern(prefix)},-${hostsIndex(prefix)},-${alertsIndex(prefix)}`;
}

const DAY_MS = 86_400_000;

/** Windows of up to this many days are read from their days' indices by name; longer ones through the pattern. */
export const NAMED_DAYS_MAX = 31;

/**
 * The indices a read of the events between `from` and `to` needs: each day of the window by name (an event lives in the
 * index of its `@timestamp`'s UTC day), else every event index when an end is open or the window is long. Naming the
 * days keeps a read of the last hour off the other days' shards: with a week of data, a search, its point in time
 * and a histogram otherwise visit every day's shard, and the shards outside the window still cost each read a
 * round of shard requests.
 */
export function windowIndices(prefix: string, from: Date | undefined, to: Date | undefined): string {
  if (!from || !to || to.getTime() < from.getTime()) return searchPattern(prefix);
  const first = Math.floor(from.getTime() / DAY_MS) * DAY_MS;
  const days = Math.floor((to.getTime() - first) / DAY_MS) + 1;
  if (days > NAMED_DAYS_MAX) return searchPattern(prefix);
  return Array.from({ length: days }, (_, i) => dailyIndex(prefix, new Date(first + i * DAY_MS).toISOString())).join(
    ',',
  );
}

/** The event counts of one day of events (es-counts.ts): `<prefix>-counts-YYYY.MM.DD`, beside `<prefix>-YYYY.MM.DD`. */
export function countsIndex(prefix: string, dayMs: number): string {
  return dailyIndex(`${prefix}-counts`, new Date(dayMs).toISOString());
}

/** Every day's counts index. */
export function countsPattern(prefix: string): string {
  return `${prefix}-counts-*`;
}

/** The counts indices of the days between `from` and `to` (at most NAMED_DAYS_MAX of them, as windowIndices). */
export function windowCountsIndices(prefix: string, from: Date, to: Date): string {
  return windowIndices(`${prefix}-counts`, from, to);
}

/** The kinds of daily index: events, dead letters and the events' counts. */
export type DailyKind = 'events' | 'deadletter' | 'counts';

/** The kind and day (UTC midnight, ms) of a daily index of this prefix, or null for any other name. */
export function dailyIndexDay(prefix: string, index: string): { kind: DailyKind; dayMs: number } | null {
  if (!index.startsWith(`${prefix}-`)) return null;
  const m = /^(?:(deadletter|counts)-)?(\d{4})\.(\d{2})\.(\d{2})$/.exec(index.slice(prefix.length + 1));
  if (!m) return null;
  const kind = (m[1] ?? 'events') as DailyKind;
  return { kind, dayMs: Date.UTC(Number(m[2]), Number(m[3]) - 1, Number(m[4])) };
}

/** Alert rules, their states and outboxes, and the evaluation lease (es-alert-records.ts). */
export function alertsIndex(prefix: string): string {
  return `${prefix}-alerts`;
}

/** The latest heartbeat of every shipper, one document per host (the host name is the `_id`). */
export function hostsIndex(prefix: string): string {
  return `${prefix}-hosts`;
}

/** Every dead-letter index (also the single `<prefix>-deadletter` index of earlier versions). */
export function deadLetterPattern(prefix: string): string {
  return `${prefix}-deadletter*`;
}

const keyword: estypes.MappingProperty = { type: 'keyword', ignore_above: KEYWORD_MAX_LENGTH };

/** The mapping of each field type. Norms only serve scoring, and log search sorts by time. */
const MAPPINGS: Readonly<Record<FieldType, estypes.MappingProperty>> = {
  keyword,
  text: { type: 'text', norms: false },
  long: { type: 'long' },
  double: { type: 'double' },
  ip: { type: 'ip' },
  date: { type: 'date' },
  boolean: { type: 'boolean' },
  binary: { type: 'binary' },
};

/**
 * Fields that keep only the doc values their sort needs. `event.id` is the `_id` again (bulk-encoder.ts), kept as a
 * keyword for the last tie-break of every sort, which the `_id` cannot serve; an exact `id:` looks the `_id` up
 * (compile-elasticsearch.ts). `log.offset` only breaks ties in file order; a query on either still works, from the
 * doc values. Each saved about 4.6 and 1.9 B per event on the growth run's short lines.
 */
const DOC_VALUES_ONLY: ReadonlySet<string> = new Set(['event.id', 'log.offset']);

/**
 * The events' `_source` is synthetic: rebuilt on read from each field's own data (doc values, and a stored copy of
 * text fields and long keywords) instead of kept whole beside them, where it took 61 of 108 B per event on the growth
 * run. Arrays (`log.flags`) are kept as written, in their order and with repeats. What comes back differs only in
 * shape, which es-document.ts turns back into the document as written. Clusters whose licence lacks synthetic
 * _source store it whole as before (Elasticsearch falls back by itself); versions that do not know the settings get
 * the template without them (es-store.ts).
 */
export const SYNTHETIC_SOURCE = {
  'index.mapping.source.mode': 'synthetic',
  'index.mapping.synthetic_source_keep': 'arrays',
} as const;

/** How the events' `_source` is kept: rebuilt from the fields (SYNTHETIC_SOURCE), or whole where that is unknown. */
export type SourceMode = 'synthetic' | 'stored';

/**
 * How the daily indices keep their stored fields (the message, the id): Lucene's default, or `best_compression`,
 * larger blocks compressed harder. With a shipper's ids the growth documents took 64.2 against 52.2 bytes per event,
 * and a search page of 100 took 12.3 against 34.9 ms p50, since each document fetched unpacks a larger block
 * (bench/es-source-reads.ts). The operator's choice: `elasticsearch.codec`.
 */
export type EventCodec = 'default' | 'best_compression';

/** What the operator sets for the indices logship creates. */
export interface TemplateOptions {
  replicas: number;
  codec: EventCodec;
}

/** The template every daily index is created from: every catalogued field typed up front. */
export function eventTemplate(
  prefix: string,
  { replicas, codec }: TemplateOptions,
  source: SourceMode = 'synthetic',
): estypes.IndicesPutIndexTemplateRequest {
  return {
    name: `${prefix}-events`,
    index_patterns: [`${prefix}-*`],
    priority: 100,
    template: {
      settings: {
        number_of_shards: 1,
        number_of_replicas: replicas,
        refresh_interval: '1s',
        // JSON logs bring their own keys as labels: past the limit new ones stay in _source unindexed instead of
        // refusing the event ("Limit of total fields exceeded" would dead-letter every later new key).
        'index.mapping.total_fields.limit': 5000,
        'index.mapping.total_fields.ignore_dynamic_beyond_limit': true,
        ...(source === 'synthetic' ? SYNTHETIC_SOURCE : {}),
        // A setting an index takes at creation only: days created before a change keep theirs.
        ...(codec === 'default' ? {} : { 'index.codec': codec }),
      },
      mappings: {
        dynamic_templates: [
          { labels: { path_match: `${LABELS_PREFIX}*`, mapping: keyword } },
          // Fields outside the catalogue are kept as exact keywords; long values stay in _source but unindexed.
          { strings: { match_mapping_type: 'string', mapping: keyword } },
        ],
        properties: catalogueProperties(undefined, source),
      },
    },
  };
}

/** Fields of the catalogue (field-catalogue.ts), every one by default, as properties, dotted names as nested objects. */
function catalogueProperties(
  names?: readonly string[],
  source: SourceMode = 'stored',
): Record<string, estypes.MappingProperty> {
  const properties: Record<string, estypes.MappingProperty> = {};
  for (const field of KNOWN_FIELDS) {
    if (names && !names.includes(field.name)) continue;
    const path = field.name.split('.');
    let level = properties;
    for (const part of path.slice(0, -1)) {
      const object = (level[part] ??= { properties: {} }) as estypes.MappingObjectProperty;
      level = object.properties ??= {};
    }
    let mapping = MAPPINGS[field.type];
    if (DOC_VALUES_ONLY.has(field.name)) mapping = { ...mapping, index: false } as estypes.MappingProperty;
    // An address comes back from doc values in its canonical form (`::ffff:10.0.0.1` as `10.0.0.1`, `2001:DB8::1`
    // as `2001:db8::1`): under synthetic _source the value as written is kept beside them.
    if (source === 'synthetic' && field.type === 'ip') mapping = { type: 'ip', synthetic_source_keep: 'all' };
    level[path[path.length - 1]!] = mapping;
  }
  return properties;
}

/**
 * A template for one of logship's own indices (dead letters, heartbeats): it wins over the event template by
 * priority, and maps only the listed fields, so nothing in an event's shape can reach it.
 */
function ownTemplate(
  name: string,
  pattern: string,
  replicas: number,
  properties: Record<string, estypes.MappingProperty>,
): estypes.IndicesPutIndexTemplateRequest {
  return {
    name,
    index_patterns: [pattern],
    priority: 200,
    template: {
      settings: { number_of_shards: 1, number_of_replicas: replicas },
      mappings: { dynamic: false, properties },
    },
  };
}

/** The dead-letter indices' template. */
export function deadLetterTemplate(
  prefix: string,
  { replicas }: TemplateOptions,
): estypes.IndicesPutIndexTemplateRequest {
  return ownTemplate(`${prefix}-deadletter`, deadLetterPattern(prefix), replicas, {
    '@timestamp': { type: 'date' },
    error: { properties: { code: keyword, message: { type: 'text' } } },
    token: { properties: { name: keyword } },
    event: {
      properties: {
        // The original line, stored but not indexed: it may be huge or not text at all.
        original: { type: 'text', index: false },
        original_base64: { type: 'binary' },
        original_bytes: { type: 'long' },
        original_sha256: keyword,
      },
    },
  });
}

/** The heartbeat index's template, so events' mappings never apply to it. */
export function hostsTemplate(prefix: string, { replicas }: TemplateOptions): estypes.IndicesPutIndexTemplateRequest {
  return ownTemplate(`${prefix}-hosts`, hostsIndex(prefix), replicas, {
    host: { properties: { name: keyword } },
    received_at: { type: 'date' },
    // The heartbeat as sent, kept for /hosts but not indexed.
    heartbeat: { type: 'object', enabled: false },
  });
}

/**
 * The counts indices' template: a document is either a cell (events of one slot by host, service and level) or an
 * hour's seal (how many events the cells of that hour were counted from), es-counts.ts. The event fields keep the
 * events' own names and mapping, so a query compiled for the events filters the cells the same way.
 */
export function countsTemplate(prefix: string, { replicas }: TemplateOptions): estypes.IndicesPutIndexTemplateRequest {
  return ownTemplate(`${prefix}-counts`, countsPattern(prefix), replicas, {
    kind: keyword,
    unit: { type: 'integer' },
    t: { type: 'date' },
    count: { type: 'long' },
    of: { type: 'long' },
    ...catalogueProperties(COUNTED_FIELDS),
  });
}

/** The alerts index's template: records are opaque JSON, found by kind and id only. */
export function alertsTemplate(prefix: string, { replicas }: TemplateOptions): estypes.IndicesPutIndexTemplateRequest {
  return ownTemplate(`${prefix}-alerts`, alertsIndex(prefix), replicas, {
    kind: keyword,
    id: keyword,
    body: { type: 'object', enabled: false },
  });
}

/** Every template of a prefix, in the order they are put: at start, and before a restore from a snapshot. */
export function indexTemplates(prefix: string, options: TemplateOptions): estypes.IndicesPutIndexTemplateRequest[] {
  return [eventTemplate, deadLetterTemplate, countsTemplate, hostsTemplate, alertsTemplate].map((template) =>
    template(prefix, options),
  );
}

/**
 * Puts every template of a prefix (at start, and before a restore). A version that does not know synthetic _source's
 * settings refuses the events' template as it is: it then gets the template that keeps `_source` whole, as every
 * version before this one did, so the collector still runs on it.
 */
export async function putIndexTemplates(client: Client, prefix: string, options: TemplateOptions): Promise<void> {
  for (const template of indexTemplates(prefix, options)) {
    try {
      await client.indices.putIndexTemplate(template);
    } catch (err) {
      if (template.name !== eventTemplate(prefix, options).name || !syntheticSourceUnknown(err)) throw err;
      await client.indices.putIndexTemplate(eventTemplate(prefix, options, 'stored'));
    }
  }
}

/** "unknown setting [index.mapping.source.mode]", "unknown parameter [synthetic_source_keep] on mapper [...]". */
function syntheticSourceUnknown(err: unknown): boolean {
  if (!(err instanceof errors.ResponseError) || err.statusCode !== 400) return false;
  return /unknown (setting|parameter) \[(index\.mapping\.source\.mode|index\.mapping\.synthetic_source_keep|synthetic_source_keep)\]/.test(
    JSON.stringify(err.body ?? ''),
  );
}
