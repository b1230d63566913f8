import { buildFixture } from './conformance-fixture.js';
import type { CaseContext } from './case-context.js';
import { alertRecordCases } from './cases/alert-record-cases.js';
import { clockCases } from './cases/clock-cases.js';
import { deadLetterCases } from './cases/dead-letter-cases.js';
import { eventCases } from './cases/event-cases.js';
import { ingestCases } from './cases/ingest-cases.js';
import { pagingCases } from './cases/paging-cases.js';
import { patternCases } from './cases/pattern-cases.js';
import { queryCases } from './cases/query-cases.js';
import { readCases } from './cases/read-cases.js';
import { textFieldCases } from './cases/text-field-cases.js';
import { ES_START_TIMEOUT_MS } from '../../support/elasticsearch.js';
import { STORE_TARGETS } from './store-targets.js';

/**
 * One suite, every store: the same fixture is written to Elasticsearch and to the embedded store, and each group of
 * cases holds both to the same exact answers, computed from the fixture itself. A new store capability is a new
 * group in cases/ added to the list below.
 */
describe.each(STORE_TARGETS)('the $name store', (target) => {
  const ctx = { target } as CaseContext;

  beforeAll(async () => {
    ctx.sut = await target.create('main');
    ctx.events = buildFixture();
    // Two requests, as two shipper batches: the second carries a later ingest time (tail reads by it).
    ctx.outcomes = [
      await ctx.sut.store.write(ctx.events.filter((e) => e.batch === 0)),
      await ctx.sut.store.write(ctx.events.filter((e) => e.batch === 1)),
    ];
    await ctx.sut.refresh();
  }, ES_START_TIMEOUT_MS);

  afterAll(async () => {
    await ctx.sut?.dispose();
  });

  ingestCases(ctx);
  queryCases(ctx);
  textFieldCases(ctx);
  pagingCases(ctx);
  readCases(ctx);
  deadLetterCases(ctx);
  alertRecordCases(ctx);
  eventCases(ctx);
  patternCases(ctx);
  clockCases(ctx);
});
