import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { openApiPath } from '../../../collector/routes/openapi-routes.js';
import { contextQuerySchema } from '../../../protocol/context.js';
import { deadLetterQuerySchema } from '../../../protocol/dead-letter.js';
import { exportQuerySchema } from '../../../protocol/export-format.js';
import { patternsQuerySchema } from '../../../protocol/patterns.js';
import { filterQuerySchema } from '../../../protocol/query-params.js';
import {
  histogramQuerySchema,
  searchQuerySchema,
  tailQuerySchema,
  topValuesQuerySchema,
} from '../../../protocol/search.js';
import { REQUEST_SCHEMAS, RESPONSE_SCHEMAS } from '../../../protocol/api-schemas.js';
import { renderOpenApi } from '../../../scripts/openapi/openapi-document.js';

interface Parameter {
  name: string;
  in: string;
}
interface Document {
  paths: Record<string, Record<string, { parameters?: (Parameter | { $ref: string })[] }>>;
  components: { parameters: Record<string, Parameter>; schemas: Record<string, unknown> };
}

const path = openApiPath();
const text = readFileSync(path, 'utf8');
const document = JSON.parse(text) as Document;

/** Every `$ref` anywhere below `value`. */
function refs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refs);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === '$ref' && typeof inner === 'string' ? [inner] : refs(inner),
  );
}

/** The node a local JSON pointer (`#/components/schemas/Hit`) names, or undefined. */
function resolve(pointer: string): unknown {
  return pointer
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
}

describe('docs/openapi.json', () => {
  it('holds exactly the components.schemas that npm run openapi generates from protocol/', async () => {
    // On a failure after changing a schema in protocol/ (or merging a branch that did): run `npm run openapi`.
    expect(await renderOpenApi(path)).toBe(text);
    expect(Object.keys(document.components.schemas).sort()).toEqual(
      [...Object.keys(REQUEST_SCHEMAS), ...Object.keys(RESPONSE_SCHEMAS)].sort(),
    );
  });

  it('refers only to parts it has', () => {
    const all = refs(document);
    expect(all.length).toBeGreaterThan(200);
    expect(all.filter((ref) => resolve(ref) === undefined)).toEqual([]);
  });

  // The query parameters are written by hand beside the paths; the schemas the routes parse them with decide.
  it.each<[string, z.ZodObject]>([
    ['/api/v1/search', searchQuerySchema],
    ['/api/v1/histogram', histogramQuerySchema],
    ['/api/v1/fields', filterQuerySchema],
    ['/api/v1/fields/{name}/top', topValuesQuerySchema],
    ['/api/v1/events/{id}/context', contextQuerySchema],
    ['/api/v1/tail', tailQuerySchema],
    ['/api/v1/deadletter', deadLetterQuerySchema],
    ['/api/v1/patterns', patternsQuerySchema(10_000)],
    ['/api/v1/export', exportQuerySchema({ defaultEvents: 10, maxEvents: 100 })],
  ])('describes the query parameters %s parses', (route, schema) => {
    const described = (document.paths[route]?.get?.parameters ?? [])
      .map((p) => ('$ref' in p ? (resolve(p.$ref) as Parameter) : p))
      .filter((p) => p.in === 'query')
      .map((p) => p.name);
    expect(described.sort()).toEqual(Object.keys(schema.shape).sort());
  });
});
