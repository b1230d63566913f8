import {
  NAMED_DAYS_MAX,
  searchPattern,
  windowIndices,
} from '../../../../collector/store/elasticsearch/index-templates.js';

const at = (iso: string) => new Date(iso);

describe('windowIndices', () => {
  it('names each UTC day a window touches, the day of each end included', () => {
    expect(windowIndices('logs', at('2026-12-04T23:59:59.999Z'), at('2026-12-05T00:00:00.000Z'))).toBe(
      'logs-2026.12.04,logs-2026.12.05',
    );
    expect(windowIndices('logs', at('2026-12-05T10:00:00Z'), at('2026-12-05T10:15:00Z'))).toBe('logs-2026.12.05');
    expect(windowIndices('logs', at('2026-12-30T12:00:00Z'), at('2027-01-02T00:00:00Z'))).toBe(
      'logs-2026.12.30,logs-2026.12.31,logs-2027.01.01,logs-2027.01.02',
    );
  });

  it(`names up to ${NAMED_DAYS_MAX} days, and reads longer or open windows through the pattern`, () => {
    const from = at('2026-11-01T00:00:00Z');
    expect(windowIndices('logs', from, at('2026-12-01T23:59:59.999Z')).split(',')).toHaveLength(31);
    expect(windowIndices('logs', from, at('2026-12-02T00:00:00Z'))).toBe(searchPattern('logs'));
    expect(windowIndices('logs', from, undefined)).toBe(searchPattern('logs'));
    expect(windowIndices('logs', undefined, from)).toBe(searchPattern('logs'));
    expect(windowIndices('logs', at('2026-12-02T00:00:00Z'), from)).toBe(searchPattern('logs'));
  });
});
