/**
 * `npm run test:unit`: the fast loop, test/unit only. It starts no Elasticsearch and no browser (no globalSetup), so
 * a test that needs one fails loudly here; `npm test` runs everything.
 */
import base from './jest.config.js';

export default {
  ...base,
  roots: ['<rootDir>/test/unit'],
  globalSetup: undefined,
  globalTeardown: undefined,
};
