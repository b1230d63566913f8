import { readFileSync, writeFileSync } from 'node:fs';
import { openApiPath } from '../../collector/routes/openapi-routes.js';
import { renderOpenApi } from './openapi-document.js';

/** `npm run openapi`: rewrites docs/openapi.json's `components.schemas` from the zod schemas in protocol/. */
const path = openApiPath();
const rendered = await renderOpenApi(path);
if (rendered === readFileSync(path, 'utf8')) {
  console.log(`${path} is up to date.`);
} else {
  writeFileSync(path, rendered);
  console.log(`${path} was regenerated from protocol/api-schemas.ts.`);
}
