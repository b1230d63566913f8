import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { HistogramResult } from '../api/types';
import type { TimeZoneMode } from '../state/url-state';
import type { ChartSeries } from './chart-series';

const HEIGHT = 120;

interface Props {
  data: HistogramResult;
  series: ChartSeries[];
  tz: TimeZoneMode;
  onZoom: (from: string, to: string) => void;
  /** The bucket under the pointer, or null when the pointer left the chart. */
  onHover: (index: number | null) => void;
}

/**
 * Event counts over time, stacked (uPlot: small and fast); brushing zooms in. The plot is exactly as wide as its box,
 * measured by a ResizeObserver, so it never pushes the page sideways.
 */
export function HistogramChart({ data, series, tz, onZoom, onHover }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const handlers = useRef({ onZoom, onHover });
  handlers.current = { onZoom, onHover };
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const xs = data.buckets.map((b) => Date.parse(b.key) / 1000);
    // Cumulative sums drawn largest layer last-first, so each layer's bar shows on top of the ones below it.
    const cumulative: number[][] = [];
    series.forEach((s, j) => cumulative.push(s.counts.map((n, i) => n + (j > 0 ? cumulative[j - 1]![i]! : 0))));
    const order = series.map((_, j) => j).reverse();
    const bars = uPlot.paths.bars!({ size: [0.9, 40] });
    const plot = new uPlot(
      {
        width: Math.max(1, el.clientWidth),
        height: HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
        scales: { x: { time: true } },
        ...(tz === 'utc' ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC') } : {}),
        axes: [{}, { size: 50 }],
        series: [
          {},
          ...order.map((j) => ({
            label: series[j]!.key,
            fill: series[j]!.color,
            stroke: series[j]!.color,
            paths: bars,
            points: { show: false },
          })),
        ],
        hooks: {
          setSelect: [
            (u) => {
              if (u.select.width < 2) return;
              const from = u.posToVal(u.select.left, 'x');
              const to = u.posToVal(u.select.left + u.select.width, 'x');
              handlers.current.onZoom(new Date(from * 1000).toISOString(), new Date(to * 1000).toISOString());
            },
          ],
          setCursor: [(u) => handlers.current.onHover(u.cursor.idx ?? null)],
        },
      },
      [xs, ...order.map((j) => cumulative[j]!)],
      el,
    );
    let width = el.clientWidth;
    const observer = new ResizeObserver(() => {
      if (el.clientWidth === width || el.clientWidth === 0) return;
      width = el.clientWidth;
      plot.setSize({ width, height: HEIGHT });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [data, series, tz]);
  return <div class="histogram" ref={box} onMouseLeave={() => onHover(null)} />;
}
