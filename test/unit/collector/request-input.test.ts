import { parseInput } from '../../../collector/routes/request-input.js';
import { contextQuerySchema } from '../../../protocol/context.js';
import { exportQuerySchema } from '../../../protocol/export-format.js';
import { heartbeatSchema } from '../../../protocol/heartbeat.js';
import { patternsQuerySchema } from '../../../protocol/patterns.js';
import { histogramQuerySchema, searchQuerySchema } from '../../../protocol/search.js';
import { sessionRequestSchema } from '../../../protocol/session.js';

/** The coded error a bad input raises, as the client sees it. */
function refusal(run: () => unknown) {
  try {
    run();
  } catch (err) {
    const { code, status, message, details } = err as {
      code: string;
      status: number;
      message: string;
      details: object;
    };
    return { code, status, message, ...details };
  }
  throw new Error('the input was accepted');
}

describe('request input parsed with the wire schemas', () => {
  it('fills the defaults of an empty search and splits repeated and comma-separated filters', () => {
    expect(parseInput(searchQuerySchema, {})).toEqual({ host: [], service: [], level: [], limit: 100, order: 'desc' });
    expect(parseInput(searchQuerySchema, { host: ['web-1,web-2', 'db-1'], limit: '10000', order: 'asc' })).toEqual({
      host: ['web-1', 'web-2', 'db-1'],
      service: [],
      level: [],
      limit: 10000,
      order: 'asc',
    });
  });

  it.each([
    [{ limit: '0' }, 'limit', '"limit" must be a whole number from 1 to 10000.'],
    [{ limit: '10001' }, 'limit', '"limit" must be a whole number from 1 to 10000.'],
    [{ limit: '1e3' }, 'limit', '"limit" must be a whole number from 1 to 10000.'],
    [{ limit: ['1', '2'] }, 'limit', '"limit" may be given once.'],
    [{ order: 'sideways' }, 'order', '"order" must be asc or desc.'],
    [{ q: ['a', 'b'] }, 'q', '"q" may be given once.'],
    [{ host: { a: 'b' } }, 'host', '"host" must be plain text.'],
  ])('refuses the search parameters %j with 400 BAD_PARAMETER naming %s', (query, parameter, message) => {
    expect(refusal(() => parseInput(searchQuerySchema, query))).toEqual({
      code: 'BAD_PARAMETER',
      status: 400,
      message,
      parameter,
    });
  });

  it('names the first wrong parameter in the order the route reads them', () => {
    expect(refusal(() => parseInput(searchQuerySchema, { order: 'x', from: ['a', 'b'] }))).toMatchObject({
      parameter: 'from',
    });
  });

  it('lists three choices with commas, and takes no inherited name as one', () => {
    expect(parseInput(histogramQuerySchema, { by: 'level' }).by).toBe('level');
    expect(refusal(() => parseInput(histogramQuerySchema, { by: 'constructor' }))).toMatchObject({
      message: '"by" must be host, level or service.',
      parameter: 'by',
    });
  });

  it('bounds what the configuration bounds, and reads limit=max as the most an export may hold', () => {
    const exports = exportQuerySchema({ defaultEvents: 50_000, maxEvents: 20_000 });
    expect(parseInput(exports, {})).toMatchObject({ format: 'ndjson', order: 'asc', limit: 20_000 });
    expect(parseInput(exports, { limit: 'max', format: 'csv' })).toMatchObject({ format: 'csv', limit: 20_000 });
    expect(refusal(() => parseInput(exports, { limit: '20001' })).message).toBe(
      '"limit" must be a whole number from 1 to 20000.',
    );
    expect(refusal(() => parseInput(exports, { format: 'xml' })).message).toBe('"format" must be ndjson or csv.');
    const patterns = patternsQuerySchema(5000);
    expect(parseInput(patterns, {})).toMatchObject({ compare: 'none', sort: 'count', limit: 50, sample: 5000 });
    expect(refusal(() => parseInput(patterns, { sample: '5001' })).message).toBe(
      '"sample" must be a whole number from 1 to 5000.',
    );
    expect(refusal(() => parseInput(patterns, { compare: 'next' })).message).toBe(
      '"compare" must be previous or none.',
    );
  });

  it('lets a context side be empty but not longer than 1000 events', () => {
    expect(parseInput(contextQuerySchema, { before: '0', host: 'a,b' })).toEqual({
      align: 'none',
      before: 0,
      after: 50,
      host: ['a', 'b'],
    });
    expect(refusal(() => parseInput(contextQuerySchema, { after: '1001' })).message).toBe(
      '"after" must be a whole number from 0 to 1000.',
    );
    expect(refusal(() => parseInput(contextQuerySchema, { align: 'hosts' })).message).toBe(
      '"align" must be clocks or none.',
    );
  });

  it('asks for the token when a session body has none, whatever the body is', () => {
    const expected = {
      code: 'BAD_PARAMETER',
      status: 400,
      message: 'Send {"token": "<a read or admin token>"}.',
      parameter: 'token',
    };
    for (const body of [undefined, null, 'token', {}, { token: '' }, { token: 42 }]) {
      expect(refusal(() => parseInput(sessionRequestSchema, body, { whole: 'token' }))).toEqual(expected);
    }
    expect(parseInput(sessionRequestSchema, { token: 'lsr_x', extra: 1 })).toEqual({ token: 'lsr_x' });
  });

  it('words a heartbeat problem with the path of the wrong key', () => {
    const heartbeat = {
      host: 'web-1',
      version: '0.1.0',
      started_at: '2026-03-01T12:00:00.000Z',
      sent_at: 'yesterday',
      interval_s: 5,
      inputs: [],
      lag_bytes: 0,
    };
    const report = {
      message: (issue: { path: PropertyKey[]; message: string }) => `${issue.path.join('.')}: ${issue.message}`,
    };
    expect(refusal(() => parseInput(heartbeatSchema, heartbeat, report))).toEqual({
      code: 'BAD_PARAMETER',
      status: 400,
      message: 'sent_at: must be an ISO-8601 time',
      parameter: 'sent_at',
    });
    expect(parseInput(heartbeatSchema, { ...heartbeat, sent_at: '2026-03-01T12:00:05.000Z' }).host).toBe('web-1');
  });
});
