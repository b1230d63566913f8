/** A small bar chart of counts (one bar per bucket), scaled to its own largest count. */
export function Sparkline({ counts, label }: { counts: readonly number[]; label: string }) {
  const width = 120;
  const height = 22;
  const max = Math.max(1, ...counts);
  const bar = width / Math.max(1, counts.length);
  return (
    <svg
      class="sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
    >
      {counts.map((n, i) => {
        const h = n === 0 ? 0 : Math.max(1, (n / max) * height);
        return <rect key={i} x={i * bar} y={height - h} width={Math.max(1, bar - 1)} height={h} />;
      })}
    </svg>
  );
}
