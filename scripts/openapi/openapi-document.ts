import { readFileSync } from 'node:fs';
import * as prettier from 'prettier';
import { z } from 'zod';
import { REQUEST_SCHEMAS, RESPONSE_SCHEMAS } from '../../protocol/api-schemas.js';

const SCHEMA_REF = '#/components/schemas/';
/** The line that opens `components.schemas` in the formatted document. */
const SCHEMAS_OPEN = '    "schemas": {';

/** One group of named shapes as OpenAPI 3.1 schemas, referring to each other by `$ref`. */
function generate(schemas: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, object> {
  const registry = z.registry<{ id: string }>();
  for (const [name, schema] of Object.entries(schemas)) registry.add(schema, { id: name });
  const generated = z.toJSONSchema(registry, {
    io,
    uri: (id) => `${SCHEMA_REF}${id}`,
    // Refinements and transforms (an ISO time's check, a default) have no JSON Schema; the shape around them does.
    unrepresentable: 'any',
    // zod bounds every integer by the safe range; that says nothing to a reader of the API.
    override: ({ jsonSchema }) => {
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    },
  }).schemas;
  const result: Record<string, object> = {};
  for (const [name, { $schema: _schema, $id: _id, ...schema }] of Object.entries(generated)) result[name] = schema;
  return result;
}

/** `components.schemas`, generated from the protocol's zod schemas. */
export function componentSchemas(): Record<string, object> {
  const requests = generate(REQUEST_SCHEMAS, 'input');
  const responses = generate(RESPONSE_SCHEMAS, 'output');
  const shared = Object.keys(requests).filter((name) => name in responses);
  if (shared.length) throw new Error(`A schema is both a request and a response: ${shared.join(', ')}.`);
  return { ...responses, ...requests };
}

/**
 * The document at `path` with its `components.schemas` regenerated. Only that block is rewritten, as text: the
 * hand-written paths keep their order and bytes (JSON.parse would sort numeric keys such as response codes), so a
 * branch that edits paths merges cleanly and then just runs `npm run openapi` again.
 */
export async function renderOpenApi(path: string): Promise<string> {
  const lines = readFileSync(path, 'utf8').split('\n');
  const start = lines.indexOf(SCHEMAS_OPEN);
  const end = lines.findIndex((line, i) => i > start && /^ {4}\}/.test(line));
  if (start < 0 || end < 0) throw new Error(`${path} has no components.schemas block ("${SCHEMAS_OPEN}" … "    }").`);
  const block = JSON.stringify(componentSchemas(), null, 2).replaceAll('\n', '\n    ');
  const text = [
    ...lines.slice(0, start),
    `${SCHEMAS_OPEN.slice(0, -1)}${block}${lines[end]!.slice(5)}`,
    ...lines.slice(end + 1),
  ];
  const options = (await prettier.resolveConfig(path)) ?? {};
  return prettier.format(text.join('\n'), { ...options, filepath: path });
}
