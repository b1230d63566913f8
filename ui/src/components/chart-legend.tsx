import type { HistogramResult } from '../api/types';
import type { TimeZoneMode } from '../state/url-state';
import { formatTime } from '../time/time-format';
import type { ChartSeries } from './chart-series';

interface Props {
  data: HistogramResult;
  series: ChartSeries[];
  hovered: number | null;
  tz: TimeZoneMode;
}

/**
 * Which colour is which, with each layer's count: over the whole range, or in the bucket under the pointer (its time
 * and total shown first).
 */
export function ChartLegend({ data, series, hovered, tz }: Props) {
  const bucket = hovered === null ? undefined : data.buckets[hovered];
  return (
    <div class="legend" aria-label="Chart legend">
      <span class="legend-when">
        {bucket
          ? `${formatTime(bucket.key, tz).replace(/\.000$/, '')} (${data.interval}): ${bucket.count.toLocaleString('en-US')}`
          : `per ${data.interval}`}
      </span>
      {series.map((s) => (
        <span class="legend-item" key={s.key} data-key={s.key} data-count={s.total}>
          <span class="chip" style={{ background: s.color }} />
          <span class="legend-key">{s.key}</span>
          <span class="legend-count">
            {(bucket && hovered !== null ? s.counts[hovered]! : s.total).toLocaleString('en-US')}
          </span>
        </span>
      ))}
    </div>
  );
}
