import type { estypes } from '@elastic/elasticsearch';

/** Index names and templates for Elasticsearch (CONTRACT §4). Core features only, so the minimal distribution works. */

/** The daily index of an event: `<prefix>-YYYY.MM.DD` in UTC. */
export function dailyIndex(prefix: string, timestamp: string): string {
  return `${prefix}-${timestamp.slice(0, 4)}.${timestamp.slice(5, 7)}.${timestamp.slice(8, 10)}`;
}

/** The pattern that searches every event index but not the dead letters. */
export function searchPattern(prefix: string): string {
  return `${prefix}-*,-${deadLetterIndex(prefix)}`;
}

/** Rejected events live in one index, kept longer than events. */
export function deadLetterIndex(prefix: string): string {
  return `${prefix}-deadletter`;
}

const keyword: estypes.MappingProperty = { type: 'keyword', ignore_above: 1024 };

/** The template every daily index is created from. */
export function eventTemplate(prefix: string, replicas: number): estypes.IndicesPutIndexTemplateRequest {
  return {
    name: `${prefix}-events`,
    index_patterns: [`${prefix}-*`],
    priority: 100,
    template: {
      settings: { number_of_shards: 1, number_of_replicas: replicas, refresh_interval: '1s' },
      mappings: {
        dynamic_templates: [
          { labels: { path_match: 'labels.*', mapping: keyword } },
          // Parsed fields of unknown type are kept as exact keywords; long values stay in _source but unindexed.
          { strings: { match_mapping_type: 'string', mapping: keyword } },
        ],
        properties: {
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
        },
      },
    },
  };
}

/** The dead-letter index's template: wins over the event template by priority. */
export function deadLetterTemplate(prefix: string, replicas: number): estypes.IndicesPutIndexTemplateRequest {
  return {
    name: `${prefix}-deadletter`,
    index_patterns: [deadLetterIndex(prefix)],
    priority: 200,
    template: {
      settings: { number_of_shards: 1, number_of_replicas: replicas },
      mappings: {
        dynamic: false,
        properties: {
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
        },
      },
    },
  };
}
