/**
 * The embedded store's writer thread, alone: CPU time per event of EmbeddedWriter.write (inserting the rows, their
 * indexes, FTS5, the rollup, committing with synchronous = FULL) on events already encoded, for a file with 4 KiB
 * pages (files created before) and one with the store's own page size, in the same run. CPU time rather than wall
 * time, since the development machine's two cores are shared: what other processes take shows in the wall time,
 * hardly in the CPU time. The writer's CPU per event bounds ingest: at 10 µs, one core stores 100,000 events/s.
 *
 *   npm run build && node dist/bench/embedded-writer-cost.js   (LOGSHIP_BENCH_EVENTS to change the size;
 *   LOGSHIP_BENCH_IDS=shipper for ids as a shipper makes them)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { StoredEvent } from '../collector/store/ecs-document.js';
import { configureWriter, migrate } from '../collector/store/embedded/embedded-schema.js';
import { EmbeddedWriter } from '../collector/store/embedded/embedded-writer.js';
import { encodeEvents, type EncodedEvents } from '../collector/store/embedded/encoded-events.js';
import { eventId } from '../shipper/event-id.js';
import { SHIPPER_IDS } from './growth-shape.js';
import { writeResults } from './results-file.js';

const EVENTS = Number(process.env.LOGSHIP_BENCH_EVENTS ?? 600_000);
/** Events per request, and requests per transaction (as the writer thread groups them under load). */
const BATCH = 2000;
const GROUP = 2;
const DAY = 86_400_000;
const TEXT = [
  'request finished in {n} ms for user u{u}',
  'connection reset by peer while reading response header from upstream',
  'cache miss for key session:u{u}, loading from database',
  'slow query detected: SELECT * FROM orders WHERE id = {n}',
  'timeout waiting for lock on table orders after {n} ms',
];

function batches(): EncodedEvents[] {
  const start = Date.now() - DAY;
  const ingested = new Date().toISOString();
  const out: EncodedEvents[] = [];
  for (let k = 0; k < EVENTS; k += BATCH) {
    const events: StoredEvent[] = [];
    for (let i = k; i < Math.min(EVENTS, k + BATCH); i++) {
      const ts = new Date(start + Math.floor((i / EVENTS) * DAY)).toISOString();
      const host = `web-${i % 30}`;
      const id = SHIPPER_IDS ? eventId(host, `/var/log/${host}/app.log`, i * 120) : `w-${i}`;
      const text = TEXT[i % TEXT.length]!.replace('{n}', String((i * 31) % 5000)).replace('{u}', String(i % 9973));
      events.push({
        id,
        doc: {
          '@timestamp': ts,
          message: `${ts} INFO [logship] ${text}`,
          host: { name: host },
          service: { name: 'web' },
          log: { level: 'info', file: { path: `/var/log/${host}/app.log` }, offset: i * 120 },
          event: { id, ingested, dataset: 'plain' },
        },
      });
    }
    out.push(encodeEvents(events));
  }
  return out;
}

/** Writes every batch into a new file (`pageSize` null: the store's own) and answers CPU µs per event. */
function cpuPerEvent(
  encoded: EncodedEvents[],
  pageSize: number | null,
): { cpuUsPerEvent: number; wallUsPerEvent: number } {
  const dir = mkdtempSync(join(tmpdir(), 'logship-bench-writer-'));
  const db = new Database(join(dir, 'events.db'));
  try {
    if (pageSize !== null) {
      // A file made before: its page size is fixed by its first table, which configureWriter then keeps.
      db.pragma(`page_size = ${pageSize}`);
      db.pragma('journal_mode = WAL');
      migrate(db);
    }
    configureWriter(db, 250);
    migrate(db);
    const writer = new EmbeddedWriter(db);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let b = 0; b < encoded.length; b += GROUP) writer.write(encoded.slice(b, b + GROUP));
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - t0;
    return {
      cpuUsPerEvent: +((cpu.user + cpu.system) / EVENTS).toFixed(2),
      wallUsPerEvent: +((wall * 1000) / EVENTS).toFixed(2),
    };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const loadBefore = loadavg()[0]!;
const results: Record<string, { cpuUsPerEvent: number; wallUsPerEvent: number }> = {};
for (const [name, pageSize] of [
  ['4 KiB pages (files created before)', 4096],
  ["the store's page size", null],
] as const) {
  // Fresh events per file: encoding moves nothing, but the writer reads each batch once.
  results[name] = cpuPerEvent(batches(), pageSize);
  process.stdout.write(
    `${name.padEnd(36)} writer CPU ${results[name].cpuUsPerEvent} µs/event, wall ${results[name].wallUsPerEvent} µs/event\n`,
  );
}
writeResults('embedded-writer-cost', {
  events: EVENTS,
  ids: SHIPPER_IDS ? 'shipper' : 'short',
  batch: BATCH,
  group: GROUP,
  load_average_before: +loadBefore.toFixed(2),
  load_average_after: +loadavg()[0]!.toFixed(2),
  writer: results,
});
