import {
  countsIndex,
  dailyIndexDay,
  searchPattern,
  windowCountsIndices,
} from '../../../../collector/store/elasticsearch/index-templates.js';

const day = Date.UTC(2026, 11, 5);

describe('daily index names', () => {
  it('tells events, dead letters and counts of a prefix apart, and nothing else', () => {
    expect(dailyIndexDay('logs', 'logs-2026.12.05')).toEqual({ kind: 'events', dayMs: day });
    expect(dailyIndexDay('logs', 'logs-deadletter-2026.12.05')).toEqual({ kind: 'deadletter', dayMs: day });
    expect(dailyIndexDay('logs', countsIndex('logs', day))).toEqual({ kind: 'counts', dayMs: day });
    for (const other of [
      'logs-hosts',
      'logs-alerts',
      'logsx-2026.12.05',
      'logs-2026.12.5',
      'logs-counts-x',
      'x-logs-2026.12.05',
    ])
      expect([other, dailyIndexDay('logs', other)]).toEqual([other, null]);
  });

  it('keeps counts out of event searches, and names the counts of a window by day', () => {
    expect(searchPattern('logs')).toContain('-logs-counts-*');
    expect(windowCountsIndices('logs', new Date('2026-12-04T23:00:00Z'), new Date('2026-12-05T01:00:00Z'))).toBe(
      'logs-counts-2026.12.04,logs-counts-2026.12.05',
    );
  });
});
