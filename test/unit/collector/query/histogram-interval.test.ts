import { parseInterval } from '../../../../collector/query/histogram-interval.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('histogram interval', () => {
  it.each([
    [15 * MIN, '10s', 90],
    [HOUR, '30s', 120],
    [24 * HOUR, '15m', 96],
    [7 * 24 * HOUR, '2h', 84],
    [30 * 24 * HOUR, '6h', 120],
  ])('auto over %d ms picks %s (%d buckets)', (span, label, buckets) => {
    const interval = parseInterval('auto', span);
    expect(interval.label).toBe(label);
    expect(span / interval.ms).toBe(buckets);
  });

  it('keeps every auto choice between 60 and 120 buckets from a minute to 120 days', () => {
    for (let span = 2 * MIN; span <= 120 * 24 * HOUR; span = Math.round(span * 1.07)) {
      const buckets = span / parseInterval(undefined, span).ms;
      expect(buckets).toBeGreaterThanOrEqual(60);
      expect(buckets).toBeLessThanOrEqual(120);
    }
  });

  it('accepts 1s to 1d and refuses the rest', () => {
    expect(parseInterval('5m', HOUR)).toEqual({ label: '5m', ms: 5 * MIN });
    expect(parseInterval('1d', 30 * 24 * HOUR).ms).toBe(24 * HOUR);
    for (const bad of ['0s', '2d', '500ms', 'five', '1w']) {
      expect(() => parseInterval(bad, HOUR)).toThrow(expect.objectContaining({ code: 'BAD_PARAMETER' }));
    }
    expect(() => parseInterval('1s', 7 * 24 * HOUR)).toThrow(/more than 5000 buckets/);
  });
});
