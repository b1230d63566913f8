import type { IngestResult } from '../../../protocol/ingest-result.js';
import { ingestEvents, type TestCollector } from '../../support/collector-harness.js';
import { COLLECTOR_TARGETS } from './collector-targets.js';

const RANGE = 'is outside the accepted times, 1970-01-01T00:00:00.000Z to 2199-12-31T23:59:59.999Z.';
/** 2^44 ms shifted left by the embedded store's 20 key bits is 2^64: such an event's key wrapped onto `now`'s. */
const WRAP_MS = 2 ** 44;

/**
 * The ingest-token attacks on event times (found against the embedded store): a time whose row key wraps 64 bits
 * made real events "duplicates" with success returned, and far-future events showed up in "last hour" searches or
 * were stored and never found. Every store must dead-letter them with INGEST_TIME_OUT_OF_RANGE and lose nothing.
 */
describe.each(COLLECTOR_TARGETS)('event times on the $name store', (target) => {
  let collector: TestCollector;
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const real = (i: number) => ({
    id: `real-${i}`,
    timestamp: iso(now - i * 1000),
    host: 'web-1',
    message: `real ${i}`,
  });

  beforeAll(async () => {
    collector = await target.start('times');
  });
  afterAll(async () => {
    await collector?.dispose();
  });

  const get = async (path: string, params: Record<string, string>, token = collector.tokens.read) => {
    const url = new URL(`${collector.url}${path}`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('dead-letters an event 2^44 ms ahead instead of answering it as a duplicate of a real one', async () => {
    expect(await ingestEvents(collector, [real(0)])).toEqual({ accepted: 1, duplicates: 0, rejected: 0, errors: [] });
    const far = { id: 'far-0', timestamp: iso(now + WRAP_MS), host: 'evil', message: 'planted' };
    expect(await ingestEvents(collector, [far])).toEqual({
      accepted: 0,
      duplicates: 0,
      rejected: 1,
      errors: [{ line: 1, code: 'INGEST_TIME_OUT_OF_RANGE', reason: `"@timestamp" ${far.timestamp} ${RANGE}` }],
    });
  });

  it('stores 200 real events after 2,000 planted year-2584 events: 200 accepted, 0 duplicates', async () => {
    // Each planted time wraps onto the key of a real event's millisecond, one second apart, over the last hour.
    const planted = Array.from({ length: 2000 }, (_, i) => ({
      id: `plant-${i}`,
      timestamp: iso(now - i * 1000 + WRAP_MS),
      host: 'evil',
      message: `planted ${i}`,
    }));
    expect(planted[0]!.timestamp.slice(0, 4)).toBe('2584');
    const plantedAnswer = await ingestEvents(collector, planted);
    const reals = Array.from({ length: 200 }, (_, i) => real(i + 1));
    const realAnswer = await ingestEvents(collector, reals);
    expect({
      planted: { ...plantedAnswer, errors: plantedAnswer.errors.length },
      codes: [...new Set(plantedAnswer.errors.map((e) => e.code))],
      real: realAnswer,
    }).toEqual({
      // 1,000 errors are listed in the answer; all 2,000 are counted and dead-lettered.
      planted: { accepted: 0, duplicates: 0, rejected: 2000, errors: 1000 },
      codes: ['INGEST_TIME_OUT_OF_RANGE'],
      real: { accepted: 200, duplicates: 0, rejected: 0, errors: [] },
    });
  });

  it('dead-letters years 9999 and +100000 instead of storing events no search finds', async () => {
    const events = [
      { id: 'y9999', timestamp: '9999-12-31T00:00:00.000Z', message: 'year 9999' },
      { id: 'y100000', timestamp: '+100000-01-01T00:00:00.000Z', message: 'year 100000' },
      { id: 'y1969', timestamp: '1969-12-31T23:59:59.999Z', message: 'before 1970' },
      { id: 'r2199', timestamp: '2199-12-31T23:59:59.999Z', message: 'the last accepted millisecond' },
    ];
    const answer: IngestResult = await ingestEvents(collector, events);
    expect(answer).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: 3,
      errors: [
        { line: 1, code: 'INGEST_TIME_OUT_OF_RANGE', reason: `"@timestamp" 9999-12-31T00:00:00.000Z ${RANGE}` },
        { line: 2, code: 'INGEST_TIME_OUT_OF_RANGE', reason: `"@timestamp" +100000-01-01T00:00:00.000Z ${RANGE}` },
        { line: 3, code: 'INGEST_TIME_OUT_OF_RANGE', reason: `"@timestamp" 1969-12-31T23:59:59.999Z ${RANGE}` },
      ],
    });
  });

  it('answers the _bulk door with an Elasticsearch-style error for that item alone', async () => {
    const body = [
      { create: { _index: 'logs', _id: 'bulk-far' } },
      { '@timestamp': '2584-06-01T00:00:00.000Z', message: 'planted through _bulk' },
      { create: { _index: 'logs', _id: 'bulk-real' } },
      { '@timestamp': iso(now - 500), message: 'real through _bulk' },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n');
    const res = await fetch(`${collector.url}/_bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${collector.tokens.ingest}` },
      body: `${body}\n`,
    });
    const answer = (await res.json()) as { errors: boolean; items: { create: Record<string, unknown> }[] };
    expect(res.status).toBe(200);
    expect(answer.errors).toBe(true);
    expect(answer.items.map((i) => i.create.status)).toEqual([400, 201]);
    expect(answer.items[0]!.create).toEqual({
      _index: 'logs',
      _id: 'bulk-far',
      status: 400,
      error: { type: 'mapper_parsing_exception', reason: `"@timestamp" 2584-06-01T00:00:00.000Z ${RANGE}` },
    });
  });

  it('finds exactly the real events in the last hour, and every refused one as a dead letter', async () => {
    await target.refresh(collector);
    const search = await get('/api/v1/search', { from: 'now-1h', to: 'now+1m', limit: '1000' });
    const hits = (search.body.hits as { id: string }[]).map((h) => h.id).sort();
    const expected = [...Array.from({ length: 201 }, (_, i) => `real-${i}`), 'bulk-real'].sort();
    expect({ status: search.status, total: search.body.total, hits }).toEqual({
      status: 200,
      total: { value: 202, relation: 'eq' },
      hits: expected,
    });
    const letters = await get(
      '/api/v1/deadletter',
      { code: 'INGEST_TIME_OUT_OF_RANGE', limit: '1' },
      collector.tokens.admin,
    );
    // 1 (2^44 ahead) + 2,000 planted + 3 (9999, +100000, 1969) + 1 through _bulk.
    expect(letters.body.total).toEqual({ value: 2005, relation: 'eq' });
  });
});
