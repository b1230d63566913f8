import type { Line } from '../../../shipper/line-reader.js';
import { MultilineGrouper } from '../../../shipper/multiline.js';
import { watchRootOf } from '../../../shipper/discovery.js';
import { linesOf } from '../../support/shipper-testbed.js';

const JAVA_LOG = `2026-11-26 10:00:00.120 INFO  [main] o.e.Server - Started in 2.1 s
2026-11-26 10:00:01.007 ERROR [http-8080-3] o.e.OrderController - Request failed
java.lang.IllegalStateException: order 4711 has no lines
\tat org.example.OrderService.total(OrderService.java:88)
\tat org.example.OrderController.get(OrderController.java:41)
Caused by: java.lang.NullPointerException
\t... 12 more
2026-11-26 10:00:01.250 INFO  [http-8080-4] o.e.OrderController - GET /orders/12 200
`;

describe('multiline grouping', () => {
  const start = /^\d{4}-\d{2}-\d{2} /;

  it('groups a stack trace under its log line and keeps the first line offset', () => {
    const g = new MultilineGrouper({ start, maxLines: 500, maxBytes: 1 << 20 });
    const lines = linesOf(JAVA_LOG);
    const records = lines.map((l) => g.push(l)).filter((r): r is Line => r !== undefined);
    const last = g.flush();
    expect(records).toHaveLength(2);
    expect(records[1]!.text.split('\n')).toHaveLength(6);
    expect(records[1]!.offset).toBe(lines[1]!.offset);
    expect(records[1]!.nextOffset).toBe(lines[6]!.nextOffset);
    expect(last!.text).toContain('GET /orders/12 200');
    expect(g.pending).toBe(false);
  });

  it('closes a record at max_lines', () => {
    const g = new MultilineGrouper({ start, maxLines: 3, maxBytes: 1 << 20 });
    const out = linesOf(JAVA_LOG)
      .map((l) => g.push(l))
      .filter((r): r is Line => r !== undefined);
    expect(out.map((r) => r.text.split('\n').length)).toEqual([1, 3, 3]);
  });

  it('cuts a record at max bytes and reports its full size', () => {
    const g = new MultilineGrouper({ start, maxLines: 500, maxBytes: 100 });
    const lines = linesOf(JAVA_LOG);
    for (const l of lines.slice(1, 7)) g.push(l);
    const r = g.flush()!;
    expect(Buffer.byteLength(r.text)).toBeLessThanOrEqual(100);
    expect(r.originalBytes).toBe(lines[6]!.nextOffset - lines[1]!.offset - 1);
  });
});

describe('watch roots of globs', () => {
  it('watches the static base folder, bounded in depth unless the glob has **', () => {
    expect(watchRootOf('/var/log/app/*.log')).toEqual({ base: '/var/log/app', depth: 0 });
    expect(watchRootOf('/var/log/app/**/*.json')).toEqual({ base: '/var/log/app', depth: Infinity });
    expect(watchRootOf('/var/log/*/current')).toEqual({ base: '/var/log', depth: 1 });
    expect(watchRootOf('/var/log/syslog')).toEqual({ base: '/var/log', depth: 0 });
  });
});
