import { queryTimeMs, readTime } from '../../../../collector/query/time-expression.js';

const NOW = Date.parse('2026-11-20T12:00:00.000Z');

describe('time expressions (one parser for parameters and queries)', () => {
  it('reads now, date math and ISO-8601', () => {
    expect(
      ['now', 'now-15m', 'now+1h', ' now-7d ', 'now-2w', '2026-11-20T10:00:00Z', '2026-11-20'].map((t) =>
        readTime(t, NOW),
      ),
    ).toEqual([
      NOW,
      NOW - 15 * 60_000,
      NOW + 3_600_000,
      NOW - 7 * 86_400_000,
      NOW - 14 * 86_400_000,
      Date.parse('2026-11-20T10:00:00Z'),
      Date.parse('2026-11-20'),
    ]);
  });

  it('tells text that is not a time from a time out of range', () => {
    expect(['1', 'March', 'now-15', 'now-1y', '2026-13-45'].map((t) => readTime(t, NOW))).toEqual([
      'invalid',
      'invalid',
      'invalid',
      'invalid',
      'invalid',
    ]);
    expect(
      ['now-99999999999d', 'now+8000y', `now-${'9'.repeat(400)}s`, 'now+600000w'].map((t) => readTime(t, NOW)),
    ).toEqual(['out of range', 'invalid', 'out of range', 'out of range']);
    expect(readTime('0000-01-01T00:00:00Z', NOW)).toBe(Date.parse('0000-01-01T00:00:00Z'));
  });

  it('reads query bounds as epoch ms, and refuses the rest with QUERY_UNSUPPORTED', () => {
    expect(queryTimeMs('@timestamp', 1_700_000_000_000, NOW)).toBe(1_700_000_000_000);
    expect(queryTimeMs('@timestamp', '1700000000000', NOW)).toBe(1_700_000_000_000);
    expect(queryTimeMs('@timestamp', 'now-1h', NOW)).toBe(NOW - 3_600_000);
    for (const bad of ['Nov 20 2026', 'now-99999999999d', 9e15]) {
      expect(() => queryTimeMs('@timestamp', bad, NOW)).toThrow(
        expect.objectContaining({ code: 'QUERY_UNSUPPORTED', status: 400 }),
      );
    }
  });
});
