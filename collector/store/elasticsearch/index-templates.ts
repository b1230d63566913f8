import type { estypes } from '@elastic/elasticsearch';
import { ECS_FIELDS, type EcsFieldType } from '../ecs-fields.js';

/** Index names and templates for Elasticsearch (docs/events.md). Core features only: the minimal distribution works. */

/** The daily index of an event: `<prefix>-YYYY.MM.DD` in UTC. */
export function dailyIndex(prefix: string, timestamp: string): string {
  return `${prefix}-${timestamp.slice(0, 4)}.${timestamp.slice(5, 7)}.${timestamp.slice(8, 10)}`;
}

/** The pattern that searches every event index but not the dead letters nor the host heartbeats. */
export function searchPattern(prefix: string): string {
  return `${prefix}-*,-${deadLetterPattern(prefix)},-${hostsIndex(prefix)}`;
}

/** The latest heartbeat of every shipper, one document per host (the host name is the `_id`). */
export function hostsIndex(prefix: string): string {
  return `${prefix}-hosts`;
}

/**
 * Rejected events live in daily indices `<prefix>-deadletter-YYYY.MM.DD` (UTC of receipt), so retention deletes whole
 * indices: the minimal distribution has no `_delete_by_query`.
 */
export function deadLetterIndex(prefix: string, receivedAt: string): string {
  return dailyIndex(`${prefix}-deadletter`, receivedAt);
}

/** Every dead-letter index (also the single `<prefix>-deadletter` index of earlier versions). */
export function deadLetterPattern(prefix: string): string {
  return `${prefix}-deadletter*`;
}

const keyword: estypes.MappingProperty = { type: 'keyword', ignore_above: 1024 };

/** The template every daily index is created from. */
export function eventTemplate(prefix: string, replicas: number): estypes.IndicesPutIndexTemplateRequest {
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
      },
      mappings: {
        dynamic_templates: [
          { labels: { path_match: 'labels.*', mapping: keyword } },
          // Parsed fields of unknown type are kept as exact keywords; long values stay in _source but unindexed.
          { strings: { match_mapping_type: 'string', mapping: keyword } },
        ],
        properties: withEcsFields({
          '@timestamp': { type: 'date' },
          // Norms only serve scoring, and log search sorts by time.
          message: { type: 'text', norms: false },
          host: { properties: { name: keyword } },
          service: { properties: { name: keyword } },
          log: {
            properties: {
              level: keyword,
              file: { properties: { path: keyword } },
              offset: { type: 'long' },
              flags: keyword,
              original_bytes: { type: 'long' },
            },
          },
          event: {
            properties: {
              id: keyword,
              ingested: { type: 'date' },
              created: { type: 'date' },
              dataset: keyword,
            },
          },
        }),
      },
    },
  };
}

const FIELD_MAPPINGS: Record<EcsFieldType, estypes.MappingProperty> = {
  keyword,
  text: { type: 'text', norms: false },
  long: { type: 'long' },
  double: { type: 'double' },
  ip: { type: 'ip' },
  date: { type: 'date' },
  boolean: { type: 'boolean' },
  binary: { type: 'binary' },
};

/** Adds every parsed ECS field (ecs-fields.ts) to the event properties, typed, as nested objects. */
function withEcsFields(properties: Record<string, estypes.MappingProperty>): Record<string, estypes.MappingProperty> {
  for (const [name, type] of Object.entries(ECS_FIELDS)) {
    const path = name.split('.');
    let level = properties;
    for (const part of path.slice(0, -1)) {
      let object = level[part] as estypes.MappingObjectProperty | undefined;
      if (!object) {
        object = { properties: {} };
        level[part] = object;
      }
      object.properties ??= {};
      level = object.properties;
    }
    level[path[path.length - 1]!] = FIELD_MAPPINGS[type];
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
export function deadLetterTemplate(prefix: string, replicas: number): estypes.IndicesPutIndexTemplateRequest {
  return ownTemplate(`${prefix}-deadletter`, deadLetterPattern(prefix), replicas, {
    '@timestamp': { type: 'date' },
    error: { properties: { code: keyword, message: { type: 'text' } } },
    token: { properties: { name: keyword } },
    event: {
      properties: {
        // The original line, stored but not indexed: it may be huge or not text at all.
        original: { type: 'text', index: false },
        original_base64: { type: 'binary' },
      },
    },
  });
}

/** The heartbeat index's template, so events' mappings never apply to it. */
export function hostsTemplate(prefix: string, replicas: number): estypes.IndicesPutIndexTemplateRequest {
  return ownTemplate(`${prefix}-hosts`, hostsIndex(prefix), replicas, {
    host: { properties: { name: keyword } },
    received_at: { type: 'date' },
    // The heartbeat as sent, kept for /hosts but not indexed.
    heartbeat: { type: 'object', enabled: false },
  });
}
