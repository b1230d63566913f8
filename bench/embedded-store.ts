/**
 * Embedded store benchmark (issue 8): ingest rate with parsing (NDJSON decode → normalise → parse → store, in
 * shipper-sized batches from four shippers that each send their next batch once the last was acknowledged) and
 * p50/p95 of the typical reads on 1,000,000 events over 24 h: newest 100, a rare word (pages of 100 and of 10), a
 * word in every line, a phrase with a host filter, a level in 1 of 7 events and one in 1 of 100,000, a histogram by
 * host over the whole range, a facet count, a live tail's page and count; bytes on disk per event against the raw
 * lines; expiring the first day, with the longest wait of a steady writer and reader meanwhile.
 * Goals (issue 19): ≥ 100,000 events/s, p50 ≤ 50 ms for each read, retention holding nobody up for over 1 s.
 * Not a test: it prints figures and writes bench/results/embedded-store.json.
 *
 *   npm run build && node dist/bench/embedded-store.js   (LOGSHIP_BENCH_EVENTS, LOGSHIP_BENCH_RUNS to change sizes,
 *   LOGSHIP_BENCH_RESULT to name the results file;
 *   the growth run: LOGSHIP_BENCH_EVENTS=10000000 LOGSHIP_BENCH_HOSTS=30 LOGSHIP_BENCH_DAYS=7;
 *   LOGSHIP_BENCH_IDS=shipper gives the events ids of a shipper's length;
 *   LOGSHIP_BENCH_KEEP_DIR=<dir> keeps the loaded file there and, when it holds one of the same shape, reuses it and
 *   measures the reads only: loading 10M events takes minutes, and retention would change the kept file)
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { IngestService } from '../collector/ingest/ingest-service.js';
import { parseQuery } from '../collector/query/parse-query.js';
import { TAIL_DEFAULTS } from '../collector/routes/tail-stream.js';
import { eventId } from '../shipper/event-id.js';
import { EmbeddedStore } from '../collector/store/embedded/embedded-store.js';
import { steady } from '../test/support/steady-load.js';
import { eventMs, lineBody } from './embedded-lines.js';
import { DAY_MS, SHIPPER_IDS } from './growth-shape.js';
import { writeResults } from './results-file.js';

const EVENTS = Number(process.env.LOGSHIP_BENCH_EVENTS ?? 1_000_000);
const RUNS = Number(process.env.LOGSHIP_BENCH_RUNS ?? 40);
const BATCH = 2000;
const CONCURRENCY = 4;
/** Days the events spread over, and hosts they come from (the growth run: 10,000,000 events, 30 hosts, 7 days). */
const DAYS = Number(process.env.LOGSHIP_BENCH_DAYS ?? 1);
const HOST_COUNT = Number(process.env.LOGSHIP_BENCH_HOSTS ?? 8);
const BASE_HOSTS = ['web', 'db', 'cache', 'worker'];
const HOSTS = Array.from(
  { length: HOST_COUNT },
  (_, h) => `${BASE_HOSTS[h % BASE_HOSTS.length]}-${Math.floor(h / BASE_HOSTS.length) + 1}`,
);
/** Where a loaded file is kept for the next run (reads only), or undefined: a fresh file, removed at the end. */
const KEEP_DIR = process.env.LOGSHIP_BENCH_KEEP_DIR;

/** What a kept file was loaded with: a run reuses it only for the same shape, and reads the same window. */
interface KeptShape {
  events: number;
  days: number;
  hosts: number;
  /** The newest event's time, which the read window ends at. */
  end: number;
  rawBytes: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Bytes of the raw log lines (message and newline) the bodies carry, against which the file size is put. */
let rawBytes = 0;

/** Events [start, start + count) as a shipper's NDJSON body (their lines from embedded-lines.ts), raw bytes counted. */
function lines(start: number, count: number, end: number): string {
  const set = { events: EVENTS, days: DAYS, end };
  const out: string[] = [];
  for (let i = start; i < start + count; i++) {
    const host = HOSTS[i % HOSTS.length]!;
    const source = `/var/log/${host}/app.log`;
    const offset = i * 120;
    const message = `${new Date(eventMs(set, i)).toISOString()} ${lineBody(i)}`;
    rawBytes += Buffer.byteLength(message) + 1;
    out.push(
      JSON.stringify({
        id: SHIPPER_IDS ? eventId(host, source, offset) : `b-${i}`,
        host,
        service: host.replace(/-\d+$/, ''),
        source,
        offset,
        format: 'plain',
        message,
      }),
    );
  }
  return out.join('\n') + '\n';
}

async function main(): Promise<void> {
  const dir = KEEP_DIR ?? mkdtempSync(join(tmpdir(), 'logship-bench-embedded-'));
  const kept = keptShape(dir);
  const logger = pino({ level: 'warn' });
  const store = new EmbeddedStore({ dir, searchTimeoutMs: 30_000, exactTotalUpTo: 1_000_000 }, logger);
  await store.init();
  const ingest = new IngestService(store, { maxMessageBytes: 1024 * 1024 });
  const end = kept?.end ?? Date.now() - 3_600_000;
  if (kept) {
    rawBytes = kept.rawBytes;
    process.stdout.write(`reusing the ${EVENTS} events kept in ${dir}: reads only\n`);
    await measureReads(store, dir, end, loadavg()[0]!, null);
    await store.close();
    return;
  }

  // Building the bodies is the shippers' work, not timed: all of them are built first.
  const bodies: { at: number; body: Buffer; count: number }[] = [];
  for (let k = 0; k < EVENTS; k += BATCH) {
    const count = Math.min(BATCH, EVENTS - k);
    bodies.push({ at: k, body: Buffer.from(lines(k, count, end)), count });
  }
  // Four shippers, each sending its next batch once the last one was acknowledged (as the shipper does): the
  // collector parses one request while the writer thread commits others.
  // The machine is shared: the load before the run tells how much CPU others were taking.
  const loadBefore = loadavg()[0]!;
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let b = bodies[next++]; b; b = bodies[next++]) {
        const result = await ingest.ingest(b.body, 'bench');
        if (result.accepted !== b.count) throw new Error(`batch at ${b.at}: ${JSON.stringify(result)}`);
      }
    }),
  );
  const ingestMs = performance.now() - started;
  const ingestEndMs = Date.now();
  const rate = Math.round(EVENTS / (ingestMs / 1000));
  const { bytes, walBytes } = fileBytes(dir);
  const bytesPerRaw = +(bytes / rawBytes).toFixed(2);
  process.stdout.write(
    `ingest: ${EVENTS} events in ${(ingestMs / 1000).toFixed(1)} s = ${rate} events/s, ${(bytes / 2 ** 20).toFixed(0)} MiB` +
      ` on disk = ${(bytes / EVENTS).toFixed(0)} B/event (${(walBytes / EVENTS).toFixed(0)} of them the write-ahead log),` +
      ` ${bytesPerRaw}× the raw lines of ${(rawBytes / EVENTS).toFixed(0)} B (load average before: ${loadBefore.toFixed(2)})\n`,
  );

  if (KEEP_DIR) {
    const shape: KeptShape = { events: EVENTS, days: DAYS, hosts: HOST_COUNT, end, rawBytes };
    writeFileSync(join(dir, 'bench-shape.json'), JSON.stringify(shape));
  }
  await measureReads(store, dir, end, loadBefore, { ingest, rate, bytes, walBytes, bytesPerRaw, ingestEndMs });
  await store.close();
  if (!KEEP_DIR) rmSync(dir, { recursive: true, force: true });
}

/** The file kept in `dir` by an earlier run of the same shape, or null (then `dir` is made ready for loading). */
function keptShape(dir: string): KeptShape | null {
  if (!KEEP_DIR) return null;
  const path = join(dir, 'bench-shape.json');
  if (existsSync(path)) {
    const shape = JSON.parse(readFileSync(path, 'utf8')) as KeptShape;
    if (shape.events === EVENTS && shape.days === DAYS && shape.hosts === HOST_COUNT) return shape;
  }
  // Another shape, or a load that did not finish: start again.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return null;
}

/** What the load measured, when this run loaded the file (null: a kept file's reads only). */
interface Loaded {
  ingest: IngestService;
  rate: number;
  bytes: number;
  walBytes: number;
  bytesPerRaw: number;
  /** When the load ended: the live tail's reads look at the events ingested in its last second. */
  ingestEndMs: number;
}

async function measureReads(
  store: EmbeddedStore,
  dir: string,
  end: number,
  loadBefore: number,
  loaded: Loaded | null,
): Promise<void> {
  const window = { from: new Date(end - DAYS * DAY_MS - 1000), to: new Date(end + 1000) };
  const reads: Record<string, () => Promise<unknown>> = {
    'newest 100': () => store.search({ query: parseQuery(''), ...window, limit: 100, order: 'desc' }),
    'rare word': () => store.search({ query: parseQuery('quarantined'), ...window, limit: 100, order: 'desc' }),
    // The page above holds every match at 1M (10) and ten times as many at 10M: this one is the same page at both.
    'rare word, first 10': () =>
      store.search({ query: parseQuery('quarantined'), ...window, limit: 10, order: 'desc' }),
    'word in every line': () => store.search({ query: parseQuery('logship'), ...window, limit: 100, order: 'desc' }),
    'phrase + host': () =>
      store.search({
        query: parseQuery('"connection reset by peer" AND host:db-1'),
        ...window,
        limit: 100,
        order: 'desc',
      }),
    'level filter': () => store.search({ query: parseQuery('log.level:error'), ...window, limit: 100, order: 'desc' }),
    'rare level': () => store.search({ query: parseQuery('log.level:fatal'), ...window, limit: 100, order: 'desc' }),
    'histogram by host': () =>
      store.histogram({ query: parseQuery(''), ...window, intervalMs: 15 * 60_000, by: 'host.name' }),
    'facet count (level)': () => store.topValues({ query: parseQuery(''), ...window, field: 'log.level', size: 10 }),
  };
  if (loaded) {
    // A live stream's reads (tail-stream.ts): a page in ingest order from a second before the load ended, and the
    // count of that second it checks for late events. Not on a kept file, whose ingest times are long past.
    const sinceMs = loaded.ingestEndMs - 1000;
    const all = parseQuery('');
    reads['live tail page'] = () => store.tail({ query: all, sinceMs, limit: TAIL_DEFAULTS.pageSize });
    reads['live tail count'] = () => store.tailCount({ query: all, sinceMs, untilMs: loaded.ingestEndMs });
  }
  const results: Record<string, { p50: number; p95: number }> = {};
  for (const [name, read] of Object.entries(reads)) {
    await read();
    const times: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      await read();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    results[name] = { p50: +percentile(times, 50).toFixed(2), p95: +percentile(times, 95).toFixed(2) };
    process.stdout.write(`${name.padEnd(22)} p50 ${results[name].p50} ms  p95 ${results[name].p95} ms\n`);
  }

  // A kept file is measured again later: expiring its first day would change it.
  if (!loaded || KEEP_DIR) {
    writeResults(process.env.LOGSHIP_BENCH_RESULT ?? 'embedded-store', {
      events: EVENTS,
      days: DAYS,
      hosts: HOST_COUNT,
      reads_only: !loaded,
      ingest_events_per_s: loaded?.rate,
      load_average_before: +loadBefore.toFixed(2),
      reads: results,
      load_average_after: +loadavg()[0]!.toFixed(2),
    });
    return;
  }
  const { ingest, rate, bytes, walBytes, bytesPerRaw } = loaded;
  const byTable = bytesByTable(dir, EVENTS);
  process.stdout.write(
    `bytes per event (pages: payload + free space + SQLite's own): ${Object.entries(byTable)
      .map(([name, b]) => `${name} ${b.bytes} (${b.payload} + ${b.unused} + ${b.overhead})`)
      .join(', ')}\n`,
  );

  // Retention: expire the events before the first midnight in the data (whole days), timed per deleted event,
  // while one shipper sends single events and one user searches, each measured for the longest it waited.
  const midnight = Math.ceil((end - DAYS * DAY_MS) / DAY_MS) * DAY_MS;
  const before = await countAll(store, window);
  if (before !== EVENTS) throw new Error(`${before} events counted, ${EVENTS} written`);
  let expiring = true;
  const live = (op: (i: number) => Promise<unknown>) => steady(op, () => !expiring);
  const writer = live(async (i) => {
    const line = JSON.stringify({ id: `live-${i}`, host: 'web-1', format: 'plain', message: `live event ${i}` });
    const result = await ingest.ingest(Buffer.from(line + '\n'), 'bench');
    if (result.accepted !== 1) throw new Error(`live write ${i}: ${JSON.stringify(result)}`);
  });
  const reader = live(() => reads['newest 100']!());
  const r0 = performance.now();
  const expired = await store.applyRetention({ retentionDays: 0, deadLetterRetentionDays: 30 }, new Date(midnight));
  const retentionMs = performance.now() - r0;
  expiring = false;
  const writes = await writer;
  const searches = await reader;
  const deleted = before - (await countAll(store, window));
  const retentionRate = Math.round(deleted / (retentionMs / 1000));
  process.stdout.write(
    `retention: ${deleted} events (${expired.deleted.join(', ')}) in ${retentionMs.toFixed(0)} ms = ${retentionRate} events/s;` +
      ` meanwhile ${writes.runs} writes (longest ${writes.longestMs.toFixed(0)} ms), ${searches.runs} searches` +
      ` (longest ${searches.longestMs.toFixed(0)} ms)\n`,
  );
  writeResults(process.env.LOGSHIP_BENCH_RESULT ?? 'embedded-store', {
    events: EVENTS,
    ids: SHIPPER_IDS ? 'shipper' : 'short',
    batch: BATCH,
    concurrency: CONCURRENCY,
    ingest_events_per_s: rate,
    load_average_before: +loadBefore.toFixed(2),
    days: DAYS,
    hosts: HOST_COUNT,
    file_mib: Math.round(bytes / 2 ** 20),
    bytes_per_event: Math.round(bytes / EVENTS),
    wal_bytes_per_event: Math.round(walBytes / EVENTS),
    raw_bytes_per_event: Math.round(rawBytes / EVENTS),
    bytes_per_raw_byte: bytesPerRaw,
    bytes_per_event_by_table: byTable,
    reads: results,
    retention_events: deleted,
    retention_events_per_s: retentionRate,
    retention_longest_write_wait_ms: Math.round(writes.longestMs),
    retention_longest_search_wait_ms: Math.round(searches.longestMs),
    load_average_after: +loadavg()[0]!.toFixed(2),
  });
}

/** The store file with its write-ahead log, as it stands on disk, and the log's part of it. */
function fileBytes(dir: string): { bytes: number; walBytes: number } {
  const path = join(dir, 'events.db');
  const walBytes = existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0;
  return { bytes: statSync(path).size + walBytes, walBytes };
}

interface PartBytes {
  bytes: number;
  payload: number;
  unused: number;
  overhead: number;
}

/**
 * Bytes per event of each table and index of the file (SQLite's dbstat; the FTS5 index's tables together), read
 * through a connection of its own while the store is idle: what each part of the layout costs.
 */
function bytesByTable(dir: string, events: number): Record<string, PartBytes> {
  const db = new Database(join(dir, 'events.db'), { readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT CASE WHEN name LIKE 'events_fts%' THEN 'events_fts' ELSE name END AS part, sum(pgsize) AS bytes,
                sum(payload) AS payload, sum(unused) AS unused
         FROM dbstat GROUP BY part ORDER BY bytes DESC`,
      )
      .all() as { part: string; bytes: number; payload: number; unused: number }[];
    const perEvent = (n: number): number => +(n / events).toFixed(1);
    return Object.fromEntries(
      rows
        .filter((r) => r.bytes / events >= 0.5)
        .map((r) => [
          r.part,
          {
            bytes: perEvent(r.bytes),
            payload: perEvent(r.payload),
            unused: perEvent(r.unused),
            overhead: perEvent(r.bytes - r.payload - r.unused),
          },
        ]),
    );
  } finally {
    db.close();
  }
}

/**
 * Every event in the window, counted exactly: a search's total stops at `exact_total_up_to` (at 10M it answered
 * "0 events" expired, one capped total minus another); the histogram counts whole slots from the rollup, exactly.
 */
async function countAll(store: EmbeddedStore, window: { from: Date; to: Date }): Promise<number> {
  const buckets = await store.histogram({ query: parseQuery(''), ...window, intervalMs: DAY_MS });
  return buckets.reduce((sum, b) => sum + b.count, 0);
}

await main();
