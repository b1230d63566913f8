import type { HistogramResult } from '../api/types';
import type { StackBy } from '../state/url-state';
import { hostColor, LEVEL_COLORS, OTHER_COLOR, servicePalette } from './palette';

/** The most frequent keys get their own colour; the rest are summed as "other" so the chart stays readable. */
const MAX_SERIES = 12;

/** One stacked layer of the chart: its key, colour, count per bucket and total. */
export interface ChartSeries {
  key: string;
  color: string;
  counts: number[];
  total: number;
}

function colorOf(key: string, by: StackBy): string {
  if (key === 'other' || key === 'events' || key === '(none)' || key === '(other)') return OTHER_COLOR;
  if (by === 'level') return LEVEL_COLORS[key] ?? OTHER_COLOR;
  return by === 'service' ? servicePalette.color(key) : hostColor(key);
}

/** The layers of a histogram stacked by host, level or service, largest first; one "events" layer when unstacked. */
export function chartSeries(data: HistogramResult, by: StackBy): ChartSeries[] {
  const totals = new Map<string, number>();
  for (const b of data.buckets)
    for (const [k, n] of Object.entries(b.by ?? {})) totals.set(k, (totals.get(k) ?? 0) + n);
  const keys = [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
  if (keys.length === 0) {
    const counts = data.buckets.map((b) => b.count);
    return [{ key: 'events', color: OTHER_COLOR, counts, total: counts.reduce((s, n) => s + n, 0) }];
  }
  const shown = keys.slice(0, MAX_SERIES);
  const series = shown.map((key) => {
    const counts = data.buckets.map((b) => b.by?.[key] ?? 0);
    return { key, color: colorOf(key, by), counts, total: totals.get(key)! };
  });
  if (keys.length > MAX_SERIES) {
    const counts = data.buckets.map((b) => b.count - shown.reduce((s, k) => s + (b.by?.[k] ?? 0), 0));
    series.push({ key: 'other', color: OTHER_COLOR, counts, total: counts.reduce((s, n) => s + n, 0) });
  }
  return series;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The bucket width of an interval label (`30s`, `5m`, `1h`, `1d`). */
export function intervalMs(label: string): number {
  const m = /^(\d+)([smhd])$/.exec(label);
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : 60_000;
}

/**
 * The histogram with events from live tail counted in: each into the bucket of its time (epoch-aligned, as the API
 * aligns them), new buckets added at the end as time moves on.
 */
export function withLiveEvents(
  data: HistogramResult,
  events: readonly { timestamp: string; host: string | null; level: string | null; service: string | null }[],
  by: StackBy,
): HistogramResult {
  if (events.length === 0) return data;
  const step = intervalMs(data.interval);
  const buckets = data.buckets.map((b) => ({ ...b, by: { ...(b.by ?? {}) } }));
  const index = new Map(buckets.map((b, i) => [Date.parse(b.key), i]));
  for (const e of events) {
    const start = Math.floor(Date.parse(e.timestamp) / step) * step;
    let i = index.get(start);
    if (i === undefined) {
      const last = buckets.at(-1);
      if (!last || start < Date.parse(last.key)) continue;
      for (let t = Date.parse(last.key) + step; t <= start; t += step) {
        index.set(t, buckets.length);
        buckets.push({ key: new Date(t).toISOString(), count: 0, by: {} });
      }
      i = index.get(start)!;
    }
    const bucket = buckets[i]!;
    bucket.count++;
    const key = (by === 'host' ? e.host : by === 'level' ? e.level : e.service) ?? '(none)';
    bucket.by[key] = (bucket.by[key] ?? 0) + 1;
  }
  return { ...data, buckets };
}
