import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { HistogramResult } from '../api/types';
import type { StackBy, TimeZoneMode } from '../state/url-state';
import { hostColor } from './hit-row';

const LEVEL_COLORS: Record<string, string> = {
  fatal: '#7b1fa2',
  error: '#c0392b',
  warn: '#d4a017',
  info: '#4682b4',
  debug: '#7f8c8d',
  trace: '#bdc3c7',
};

/** The most frequent keys get their own colour; the rest are summed as "other" so the chart stays readable. */
const MAX_SERIES = 12;

interface Props {
  data: HistogramResult;
  by: StackBy;
  tz: TimeZoneMode;
  onZoom: (from: string, to: string) => void;
}

/** Event counts over time, stacked by host, level or service (uPlot: small and fast); brushing zooms in. */
export function HistogramChart({ data, by, tz, onZoom }: Props) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const totals = new Map<string, number>();
    for (const b of data.buckets)
      for (const [k, n] of Object.entries(b.by ?? {})) totals.set(k, (totals.get(k) ?? 0) + n);
    const keys = [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k);
    const shown = keys.slice(0, MAX_SERIES);
    const stacked = shown.length > 0;
    const layers = stacked ? [...shown, ...(keys.length > MAX_SERIES ? ['other'] : [])] : ['events'];
    const xs = data.buckets.map((b) => Date.parse(b.key) / 1000);
    // Cumulative sums, drawn largest first, so each layer's bar shows on top of the ones below it.
    const cumulative = layers.map(() => new Array<number>(xs.length).fill(0));
    data.buckets.forEach((b, i) => {
      let sum = 0;
      layers.forEach((k, j) => {
        const n = !stacked
          ? b.count
          : k === 'other'
            ? b.count - shown.reduce((s, h) => s + (b.by?.[h] ?? 0), 0)
            : (b.by?.[k] ?? 0);
        sum += n;
        cumulative[j]![i] = sum;
      });
    });
    const color = (k: string) =>
      k === 'other' || k === 'events' ? '#95a5a6' : by === 'level' ? (LEVEL_COLORS[k] ?? '#95a5a6') : hostColor(k);
    const order = layers.map((_, j) => j).reverse();
    const bars = uPlot.paths.bars!({ size: [0.9, 40] });
    const plot = new uPlot(
      {
        width: el.clientWidth || 800,
        height: 120,
        legend: { show: false },
        cursor: { drag: { x: true, y: false, setScale: false } },
        scales: { x: { time: true } },
        ...(tz === 'utc' ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC') } : {}),
        axes: [{}, { size: 50 }],
        series: [
          {},
          ...order.map((j) => ({
            label: layers[j],
            fill: color(layers[j]!),
            stroke: color(layers[j]!),
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
              onZoom(new Date(from * 1000).toISOString(), new Date(to * 1000).toISOString());
            },
          ],
        },
      },
      [xs, ...order.map((j) => cumulative[j]!)],
      el,
    );
    const onResize = () => plot.setSize({ width: el.clientWidth, height: 120 });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.destroy();
    };
  }, [data, by, tz]);
  return <div class="histogram" ref={box} />;
}
