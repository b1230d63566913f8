/**
 * What the embedded store's full-text index costs by the order of its document ids (issue 19, goal 5's bytes): the
 * growth set's messages (embedded-lines.ts, without their leading time, as the store indexes them) indexed by FTS5
 * with the store's options (`detail = none`, no size rows, its tokenizer), in the store's write transactions of
 * 2,000, once per layout of ids:
 * - `event key`: the row key of files made before schema 10, ms × 2^20 + n (event-key.ts), so that a walk in id
 *   order is in time order;
 * - `ms × 16 + n`: the same order with 4 bits for the events of one millisecond instead of 20;
 * - `second × 2^20 + n`: the row key of files made at schema 10 on, the second instead of the millisecond, `n` the
 *   event's number among that second's events in write order (time order between seconds only; the row keeps the
 *   millisecond);
 * - `write order`: 1, 2, 3… as the events are written (what the index would hold if it were numbered by message).
 * With `detail = none` a word's list of documents is a list of id differences, each a varint: the larger the
 * steps between the events holding a word, the more bytes. Numbered in write order, a hit would need its event's key
 * from elsewhere: the last figure is what each block of messages would take to list its events' keys (the
 * millisecond's step from the previous event and the number in the millisecond, as varints, deflated like the
 * block's messages). Not a test: it prints bytes per event and writes bench/results/fts-docids-<events>.json.
 *
 *   npm run build && node dist/bench/fts-docids.js   (LOGSHIP_BENCH_EVENTS, LOGSHIP_BENCH_DAYS as embedded-store.ts;
 *   the growth run's shape: LOGSHIP_BENCH_EVENTS=10000000 LOGSHIP_BENCH_DAYS=7)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { MILLISECOND_KEYS, SECOND_KEYS } from '../collector/store/embedded/event-key.js';
import { BLOCK_EVENTS } from '../collector/store/embedded/message-blocks.js';
import { FTS_TOKENIZER } from '../collector/store/embedded/embedded-schema.js';
import { eventMs, lineBody, type LineSet } from './embedded-lines.js';
import { writeResults } from './results-file.js';

const EVENTS = Number(process.env.LOGSHIP_BENCH_EVENTS ?? 1_000_000);
const DAYS = Number(process.env.LOGSHIP_BENCH_DAYS ?? 7);
/** Events per write transaction, as the store's writer commits a batch of shipper requests. */
const TRANSACTION = 2000;

/** A layout: the id of event `i`, given its time and its number among the events of that millisecond. */
const LAYOUTS: Record<string, (i: number, ms: number, n: number, ns: number) => bigint> = {
  'event key': (_i, ms, n) => MILLISECOND_KEYS.keyOf(ms, n),
  'ms × 16 + n': (_i, ms, n) => {
    // Room for 16 events a millisecond: the growth set's are 60 ms apart (10M over 7 days), denser sets do not fit.
    if (n >= 16) throw new Error('over 16 events in one millisecond: this layout does not fit the set');
    return (BigInt(ms) << 4n) | BigInt(n);
  },
  'second × 2^20 + n': (_i, ms, _n, ns) => SECOND_KEYS.keyOf(ms, ns),
  'write order': (i) => BigInt(i + 1),
};

/**
 * The set's events in write order with their time, their number among the events of that millisecond (the low
 * bits of the store's row key) and among those of that second.
 */
function* numbered(set: LineSet): Generator<{ i: number; ms: number; n: number; ns: number }> {
  let lastMs = Number.NaN;
  let lastSecond = Number.NaN;
  let n = 0;
  let ns = 0;
  for (let i = 0; i < set.events; i++) {
    const ms = eventMs(set, i);
    const second = Math.floor(ms / 1000);
    n = ms === lastMs ? n + 1 : 0;
    ns = second === lastSecond ? ns + 1 : 0;
    lastMs = ms;
    lastSecond = second;
    yield { i, ms, n, ns };
  }
}

/** Bytes per event of an FTS5 index over the set's messages, with ids from `layout`. */
function indexBytes(
  dir: string,
  set: LineSet,
  layout: (i: number, ms: number, n: number, ns: number) => bigint,
): number {
  const db = new Database(join(dir, `${Math.random().toString(36).slice(2)}.db`));
  try {
    db.pragma('page_size = 16384');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.exec(`CREATE VIRTUAL TABLE fts USING fts5(message, content = '', tokenize = "${FTS_TOKENIZER}",
             detail = 'none', columnsize = 0)`);
    const insert = db.prepare('INSERT INTO fts(rowid, message) VALUES (?, ?)');
    db.exec('BEGIN');
    for (const { i, ms, n, ns } of numbered(set)) {
      insert.run(layout(i, ms, n, ns), lineBody(i));
      if ((i + 1) % TRANSACTION === 0) db.exec('COMMIT; BEGIN');
    }
    db.exec('COMMIT');
    db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = db.prepare(`SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'fts%'`).pluck().get() as number;
    return +(bytes / set.events).toFixed(1);
  } finally {
    db.close();
  }
}

/** Bytes per event of the key lists of blocks of BLOCK_EVENTS events in write order. */
function keyListBytes(set: LineSet): number {
  let bytes = 0;
  let varints: number[] = [];
  const push = (v: number) => {
    for (; v >= 0x80; v = Math.floor(v / 0x80)) varints.push((v % 0x80) | 0x80);
    varints.push(v);
  };
  let previous = Number.NaN;
  for (const { i, ms, n } of numbered(set)) {
    // Each block's first key whole; the others as steps, zigzagged since a block's events need not be in time order.
    const step = i % BLOCK_EVENTS === 0 ? ms : ms - previous;
    push(step >= 0 ? step * 2 : -step * 2 - 1);
    push(n);
    previous = ms;
    if ((i + 1) % BLOCK_EVENTS === 0 || i + 1 === set.events) {
      bytes += deflateRawSync(Buffer.from(varints), { level: 1 }).length;
      varints = [];
    }
  }
  return +(bytes / set.events).toFixed(1);
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'logship-bench-fts-'));
  try {
    const set: LineSet = { events: EVENTS, days: DAYS, end: Date.UTC(2026, 0, 1) };
    const bytes: Record<string, number> = {};
    for (const [name, layout] of Object.entries(LAYOUTS)) {
      bytes[name] = indexBytes(dir, set, layout);
      process.stdout.write(`${name.padEnd(12)} ${bytes[name]} B/event of index\n`);
    }
    const keyList = keyListBytes(set);
    process.stdout.write(`block key lists ${keyList} B/event\n`);
    writeResults(`fts-docids-${EVENTS}`, {
      events: EVENTS,
      days: DAYS,
      index_bytes_per_event: bytes,
      block_key_list_bytes_per_event: keyList,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
