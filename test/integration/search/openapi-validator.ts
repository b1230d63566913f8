import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { openApiPath } from '../../../collector/routes/openapi-routes.js';

const document = JSON.parse(readFileSync(openApiPath(), 'utf8')) as { components: { schemas: object } };
// `format` is documentation here (ajv-formats is not a dependency); types, enums and required keys are checked.
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema({ $id: 'openapi', components: document.components });

/** Throws unless `body` matches the named schema of docs/openapi.json. */
export function expectSchema(name: string, body: unknown): void {
  const validate = ajv.getSchema(`openapi#/components/schemas/${name}`);
  if (!validate) throw new Error(`docs/openapi.json has no schema ${name}`);
  if (!validate(body)) {
    throw new Error(`response does not match ${name}: ${ajv.errorsText(validate.errors)}`);
  }
}
