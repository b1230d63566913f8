import type { WriteOutcome } from '../../../collector/store/log-store.js';
import type { FixtureEvent } from './conformance-fixture.js';
import type { StoreTarget, StoreUnderTest } from './store-targets.js';

/**
 * What every group of cases gets: the store under test with the fixture written, and what the writes answered.
 * Filled in by the suite's beforeAll; cases read it inside their tests only.
 */
export interface CaseContext {
  target: StoreTarget;
  sut: StoreUnderTest;
  events: FixtureEvent[];
  outcomes: WriteOutcome[];
}
