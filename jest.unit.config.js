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
  // Most of a unit file's time is waiting (timers, child processes), not CPU: four side by side take 35 s on two
  // busy cores where one at a time took 70 s.
  maxWorkers: 4,
};
