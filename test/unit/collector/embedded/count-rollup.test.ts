import { parseQuery } from '../../../../collector/query/parse-query.js';
import { rollupBound, rollupWhere, segments, unitsFor } from '../../../../collector/store/embedded/count-rollup.js';

const at = (t: string) => Date.parse(`2026-11-20T${t}Z`);
const MIN = 60_000;

describe('count rollup', () => {
  it('splits a window into events at the edges, minutes, and quarters in the middle', () => {
    expect(segments(at('10:00:30.000'), at('11:20:10.000'))).toEqual([
      { unit: null, first: at('10:00:30.000'), last: at('10:00:59.999') },
      { unit: 1, first: at('10:01:00') / MIN, last: at('10:14:00') / MIN },
      { unit: 15, first: at('10:15:00') / (15 * MIN), last: at('11:00:00') / (15 * MIN) },
      { unit: 1, first: at('11:15:00') / MIN, last: at('11:19:00') / MIN },
      { unit: null, first: at('11:20:00.000'), last: at('11:20:10.000') },
    ]);
  });

  it('reads a window shorter than a minute from the events only', () => {
    expect(segments(at('10:00:01'), at('10:00:50'))).toEqual([
      { unit: null, first: at('10:00:01'), last: at('10:00:50') },
    ]);
  });

  it('uses only the units a histogram interval is a multiple of', () => {
    expect(unitsFor(30_000)).toEqual([]);
    expect(unitsFor(5 * MIN)).toEqual([1]);
    expect(unitsFor(3_600_000)).toEqual([15, 1]);
  });

  it('answers host, service and level filters from the rollup, and nothing that needs the events', () => {
    const params: unknown[] = [];
    expect(rollupWhere(parseQuery('(host:web-1 OR host:web-2) AND NOT level:ERROR'), params)).toBe(
      '((host = ?) OR (host = ?)) AND (NOT (level = ?))',
    );
    expect(params).toEqual(['web-1', 'web-2', 'error']);
    expect(rollupWhere(parseQuery('host:web-1 AND timeout'), [])).toBeNull();
    expect(rollupWhere(parseQuery('host:web*'), [])).toBeNull();
    expect(rollupWhere(parseQuery('env:prod'), [])).toBeNull();
  });

  it('bounds a query it cannot answer: filters it does not keep are "maybe", NOT swaps the bounds', () => {
    const params: unknown[] = [];
    const query = parseQuery('NOT (level:error AND env:prod) AND service:web AND host:*');
    expect(rollupBound(query, params, true, true)).toBe('(NOT ((level = ?) AND (0))) AND (service = ?) AND (1)');
    expect(params).toEqual(['error', 'web']);
    const lower: unknown[] = [];
    expect(rollupBound(query, lower, true, false)).toBe(
      "(NOT ((level = ?) AND (1))) AND (service = ?) AND (host <> '')",
    );
    // Before the upgraded rows are gone, a source filter is a "maybe" too.
    expect(rollupBound(parseQuery('source:"/var/log/a.log"'), [], false, true)).toBe('1');
    expect(rollupBound(parseQuery('source:"/var/log/a.log"'), [], true, true)).toBe('source = ?');
  });
});
