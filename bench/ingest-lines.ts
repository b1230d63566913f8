/** The benchmark's log lines: ~180 bytes, a timestamp, a level, a logger and a message with numbers. */
export function benchLine(i: number, base: number): string {
  const t = new Date(base + i).toISOString().replace('T', ' ').slice(0, 23);
  return `${t} ${i % 97 === 0 ? 'ERROR' : 'INFO'} [worker-${i % 8}] com.example.shop.OrderService - order ${i} paid by customer ${i % 10007} total=${(i % 9973) / 100} items=${i % 7} status=ok`;
}

/** The ingest event of line `i`, as the shipper would send it. */
export function benchEvent(i: number, base: number, format: string): Record<string, unknown> {
  return {
    id: `b${i}`,
    host: `bench-${i % 4}`,
    source: '/var/log/app.log',
    offset: i * 180,
    format,
    message: benchLine(i, base),
  };
}
