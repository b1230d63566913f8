import type { estypes } from '@elastic/elasticsearch';
import { isFieldName, resolveField } from '../../../collector/query/field-names.js';
import { eventTemplate } from '../../../collector/store/elasticsearch/index-templates.js';
import { valueSql } from '../../../collector/store/embedded/compile-sql.js';
import { SECOND_KEYS } from '../../../collector/store/embedded/event-key.js';
import { nameSql } from '../../../collector/store/embedded/stored-names.js';
import {
  ACCEPTED_TIMES,
  KNOWN_FIELDS,
  fieldFacts,
  isAcceptedTimestamp,
  parsedFieldType,
} from '../../../collector/store/field-catalogue.js';

/** The mapping the template gives a dotted field name. */
function mapped(
  properties: Record<string, estypes.MappingProperty>,
  name: string,
): estypes.MappingProperty | undefined {
  const path = name.split('.');
  let level: Record<string, estypes.MappingProperty> | undefined = properties;
  for (const part of path.slice(0, -1)) level = (level?.[part] as estypes.MappingObjectProperty)?.properties;
  return level?.[path.at(-1)!];
}

describe('the field catalogue', () => {
  it('types every field of the Elasticsearch template as the catalogue says', () => {
    const properties = eventTemplate('logship', { replicas: 0, codec: 'default' }).template!.mappings!.properties!;
    expect(KNOWN_FIELDS).toHaveLength(78);
    for (const field of KNOWN_FIELDS) {
      expect([field.name, mapped(properties, field.name)?.type]).toEqual([field.name, field.type]);
    }
  });

  it('names the full-text fields, searched by words on both stores', () => {
    expect(KNOWN_FIELDS.filter((f) => f.fullText).map((f) => f.name)).toEqual([
      'message',
      'error.message',
      'error.stack_trace',
      'postgresql.detail',
      'postgresql.hint',
      'postgresql.query',
    ]);
  });

  it('says where the embedded store keeps each kind of field', () => {
    expect(
      ['@timestamp', 'host.name', 'event.dataset', 'event.created', 'url.path', 'labels.env', 'x.y'].map((name) =>
        valueSql(name, SECOND_KEYS),
      ),
    ).toEqual([
      // The key's second and the row's millisecond within it (event-key.ts).
      '(((e.rowid) >> 20) * 1000 + e.msx)',
      // A code of the names table, or the text of an older row or of a host an upgraded file held as text.
      nameSql('host'),
      // Its column (a code of the names table, or an older row's text), or the document of rows written before the
      // column existed (schema version 1).
      `coalesce(${nameSql('dataset')}, json_extract(e.doc, '$.event.dataset'))`,
      "json_extract(e.doc, '$.event.created')",
      `json_extract(e.doc, '$."url.path"')`,
      `json_extract(e.doc, '$.labels."env"')`,
      `json_extract(e.doc, '$."x.y"')`,
    ]);
    // A name that cannot be written as a JSON path (a quote, a NUL) has no value anywhere.
    expect(valueSql('labels.a\u0000b', SECOND_KEYS)).toBe('NULL');
  });

  it('lets the parsers set only the parsed ECS fields, never core fields or Object.prototype names', () => {
    expect(parsedFieldType('http.response.status_code')).toBe('long');
    expect(parsedFieldType('error.message')).toBe('text');
    expect(parsedFieldType('host.name')).toBeUndefined();
    expect(parsedFieldType('constructor')).toBeUndefined();
    expect(fieldFacts('__proto__')).toMatchObject({ known: false, type: 'keyword', fullText: false });
  });

  it('resolves short names through its own table only', () => {
    expect(['host', 'message', 'timestamp', 'constructor', '__proto__', 'url.path'].map(resolveField)).toEqual([
      'host.name',
      'message',
      '@timestamp',
      'labels.constructor',
      'labels.__proto__',
      'url.path',
    ]);
    expect(['hasOwnProperty', '@timestamp', 'a b', 'a\u0000b', ''].map(isFieldName)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('accepts event times from 1970 to 2199, canonical or not', () => {
    expect(
      [
        ACCEPTED_TIMES.min,
        ACCEPTED_TIMES.max,
        '1969-12-31T23:59:59.999Z',
        '2200-01-01T00:00:00.000Z',
        '+100000-01-01T00:00:00.000Z',
        '2199-12-31T23:59:59Z',
        '2200-01-01T00:59:59+01:00',
        'not a time',
      ].map(isAcceptedTimestamp),
    ).toEqual([true, true, false, false, false, true, true, false]);
  });
});
