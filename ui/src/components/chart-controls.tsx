import { shiftRange, zoomOut } from '../time/time-range-math';

/** Zoom out (twice the range) and move half a range earlier or later; brushing the chart zooms in. */
export function ChartControls({
  from,
  to,
  onRange,
}: {
  from: string;
  to: string;
  onRange: (range: { from: string; to: string }) => void;
}) {
  return (
    <span class="chart-controls" role="group" aria-label="Move in time">
      <button
        type="button"
        class="earlier"
        title="Half a range earlier"
        onClick={() => onRange(shiftRange(from, to, -1))}
      >
        ◀ earlier
      </button>
      <button type="button" class="zoom-out" title="Twice the range" onClick={() => onRange(zoomOut(from, to))}>
        zoom out
      </button>
      <button
        type="button"
        class="later"
        title="Half a range later"
        disabled={to === 'now'}
        onClick={() => onRange(shiftRange(from, to, 1))}
      >
        later ▶
      </button>
    </span>
  );
}
