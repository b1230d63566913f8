/** Jest runs the TypeScript sources directly through swc; type checking is `tsc --noEmit` in `npm run lint`. */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 120000,
  // Exit once the global teardown has stopped every component, instead of waiting for Node's own shutdown: a whole
  // run on Node 20 once passed every suite and then spun at 100 % CPU for minutes inside Node's exit-time handle
  // cleanup (FreeEnvironment → CleanupHandles, no JavaScript left running), which would hold CI until its time limit.
  forceExit: true,
};
