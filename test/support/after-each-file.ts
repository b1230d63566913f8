/** Runs in every test file (jest.config.js `setupFilesAfterEnv`): what a file opened through the harness is closed. */
import { closeEsTargets } from './elasticsearch.js';

afterAll(async () => {
  await closeEsTargets();
});
