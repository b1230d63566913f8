import {
  parseTimeInput,
  relativeFrom,
  resolveTime,
  sameLengthEndingNow,
  shiftRange,
  zoomOut,
} from '../../../ui/src/time/time-range-math.js';
import type { HistogramResult } from '../../../ui/src/api/types.js';
import { withLiveEvents } from '../../../ui/src/components/chart-series.js';

const NOW = Date.parse('2026-12-05T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('time ranges the UI types and moves', () => {
  it('reads typed times: 40m, now-40m, clock times and dates in the display zone, and refuses the rest', () => {
    const now = new Date(NOW);
    expect(parseTimeInput('40m', 'utc', now)).toEqual({ value: 'now-40m' });
    expect(parseTimeInput(' now - 2h ', 'utc', now)).toEqual({ value: 'now-2h' });
    expect(parseTimeInput('now', 'utc', now)).toEqual({ value: 'now' });
    expect(parseTimeInput('10:30', 'utc', now)).toEqual({ value: '2026-12-05T10:30:00.000Z' });
    expect(parseTimeInput('2026-11-26 07:06:05.250', 'utc', now)).toEqual({ value: '2026-11-26T07:06:05.250Z' });
    expect(parseTimeInput('2026-11-26T07:06:05+02:00', 'local', now)).toEqual({ value: '2026-11-26T05:06:05.000Z' });
    expect(parseTimeInput('2026-11-26', 'utc', now)).toEqual({ value: '2026-11-26T00:00:00.000Z' });
    expect(parseTimeInput('yesterday', 'utc', now)).toEqual({
      error: '"yesterday" is not a time: try 40m, now-2h, 10:30 or 2026-11-26 10:30.',
    });
    expect(parseTimeInput('2026-13-45 10:00', 'utc', now)).toHaveProperty('error');
  });

  it('writes lengths in the largest whole unit', () => {
    expect([
      relativeFrom(240_000),
      relativeFrom(3 * 3_600_000),
      relativeFrom(90_000),
      relativeFrom(14 * 86_400_000),
    ]).toEqual(['now-4m', 'now-3h', 'now-90s', 'now-2w']);
    expect(resolveTime('now-15m', NOW)).toBe(NOW - 900_000);
    expect(sameLengthEndingNow(iso(NOW - 86_400_000), iso(NOW - 86_400_000 + 600_000), NOW)).toEqual({
      from: 'now-10m',
      to: 'now',
    });
  });

  it('zooms out around the middle, keeping a range that ends now relative', () => {
    expect(zoomOut('now-15m', 'now', NOW)).toEqual({ from: 'now-30m', to: 'now' });
    expect(zoomOut(iso(NOW - 4 * 3_600_000), iso(NOW - 3 * 3_600_000), NOW)).toEqual({
      from: iso(NOW - 4.5 * 3_600_000),
      to: iso(NOW - 2.5 * 3_600_000),
    });
    // Twice as long would end after now: it ends now instead.
    expect(zoomOut(iso(NOW - 10 * 60_000), iso(NOW - 2 * 60_000), NOW)).toEqual({ from: 'now-14m', to: 'now' });
  });

  it('moves half a range earlier or later, back to a relative range when it reaches now', () => {
    expect(shiftRange('now-30m', 'now', -1, NOW)).toEqual({ from: iso(NOW - 45 * 60_000), to: iso(NOW - 15 * 60_000) });
    expect(shiftRange(iso(NOW - 45 * 60_000), iso(NOW - 15 * 60_000), 1, NOW)).toEqual({ from: 'now-30m', to: 'now' });
    expect(shiftRange(iso(NOW - 90 * 60_000), iso(NOW - 60 * 60_000), 1, NOW)).toEqual({
      from: iso(NOW - 75 * 60_000),
      to: iso(NOW - 45 * 60_000),
    });
  });
});

describe('live events in the chart', () => {
  it('counts each event into its bucket and stack, adding buckets as time moves on', () => {
    const data: HistogramResult = {
      interval: '10s',
      buckets: [
        { key: iso(NOW - 20_000), count: 2, by: { 'web-1': 2 } },
        { key: iso(NOW - 10_000), count: 1, by: { 'db-1': 1 } },
      ],
    };
    const hit = (ms: number, host: string | null) => ({ timestamp: iso(ms), host, level: 'info', service: null });
    const next = withLiveEvents(
      data,
      [hit(NOW - 5000, 'web-1'), hit(NOW + 25_000, null), hit(NOW - 60_000, 'x')],
      'host',
    );
    expect(next.buckets).toEqual([
      { key: iso(NOW - 20_000), count: 2, by: { 'web-1': 2 } },
      { key: iso(NOW - 10_000), count: 2, by: { 'db-1': 1, 'web-1': 1 } },
      { key: iso(NOW), count: 0, by: {} },
      { key: iso(NOW + 10_000), count: 0, by: {} },
      { key: iso(NOW + 20_000), count: 1, by: { '(none)': 1 } },
    ]);
    // The original is left as it was (the page keeps it while the next search loads).
    expect(data.buckets[1]).toEqual({ key: iso(NOW - 10_000), count: 1, by: { 'db-1': 1 } });
  });
});
