import type Database from 'better-sqlite3';
import { MILLISECOND_KEYS, type KeyLayout } from './event-key.js';

/**
 * Where the events of each write transaction went, so a live tail finds the events ingested since a time without an
 * index on the ingest time (schema 7). That index held the ingest time and the 8-byte row key of every event, ~23 of
 * the store's ~223 bytes per event (bench/embedded-store.ts at 1,000,000 events), and only the tail read it.
 *
 * A run is a range of event times [lo_ms, hi_ms] that holds events one transaction stored, with the range of their
 * ingest times [ingested_from, ingested_to]: every stored event lies in a run whose ingest range holds its own
 * ingest time. A transaction's events mostly have neighbouring times (shippers send what they just read), so it
 * makes one run, or a few when it also carries older lines (a backfill): its times are split where two of them are
 * more than RUN_GAP_MS apart. A run costs ~35 bytes once per transaction (or per JOIN_EVENTS events at low rates)
 * rather than ~23 bytes per event.
 *
 * A tail reads the runs whose ingest range reaches its start, then the events of their time ranges, keeping those
 * ingested since then (runChunks): events in those ranges that were ingested earlier are read and dropped, which
 * for live data is little (the ranges are the last seconds of event time).
 */
export const INGEST_RUNS_DDL = `CREATE TABLE IF NOT EXISTS ingest_runs (
  ingested_to INTEGER NOT NULL,
  lo_ms INTEGER NOT NULL,
  hi_ms INTEGER NOT NULL,
  ingested_from INTEGER NOT NULL,
  events INTEGER NOT NULL,
  PRIMARY KEY (ingested_to, lo_ms)
) WITHOUT ROWID;`;

/**
 * Event times of one transaction further apart than this start a run of their own (up to MAX_RUNS, at the largest
 * gaps): reading the events between two runs' ranges would cost a tail more than a row of this table costs the file.
 */
const RUN_GAP_MS = 10_000;
/** Runs one transaction makes at most: a sparse backfill would make one per event otherwise. */
const MAX_RUNS = 8;
/**
 * A transaction's only run joins the run before it while together they hold at most JOIN_EVENTS events ingested
 * within JOIN_SPAN_MS, and their times are close: at a low rate each request is a transaction of a few events, and
 * a run each would cost more than the index did. A tail reads a joined run whole, so these bound what it reads again.
 */
const JOIN_EVENTS = 2000;
const JOIN_SPAN_MS = 5000;

/**
 * The FROM clause of a read of the events in a list of ranges of key units (bound as a JSON array of [first, last],
 * sorted and disjoint, so no event is read twice: runChunks, runRanges): each range is a walk of the row key of a
 * file keyed by `keys`. Whole units, a second with second keys: a run's events are among them, and so may be a few
 * others of its first and last second, which the tail's check of the ingest time keeps or drops like any other. A
 * check of each row's millisecond against the runs' times instead cost a live tail's count over the ~65,000 events
 * of the benchmark's last second 1.5 ms (4.3 → 5.7).
 */
export function runEvents(keys: KeyLayout): string {
  return `json_each(?) r CROSS JOIN events e ON ${keys.sqlUnits('e.rowid', '(r.value ->> 0)', '(r.value ->> 1)')}`;
}

/** Adds a run; two runs of one key (the same latest ingest time and first event time) become one covering both. */
const UPSERT_RUN = `INSERT INTO ingest_runs(ingested_to, lo_ms, hi_ms, ingested_from, events) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT(ingested_to, lo_ms) DO UPDATE SET hi_ms = max(hi_ms, excluded.hi_ms),
    ingested_from = min(ingested_from, excluded.ingested_from), events = events + excluded.events`;

/** A row of `ingest_runs`. */
interface RunRow {
  ingestedFrom: number;
  ingestedTo: number;
  loMs: number;
  hiMs: number;
  events: number;
}

/** The spans of events one write transaction stored, collected as they are stored (one per rollup key). */
export class TransactionRuns {
  /** lo, hi and the number of events of each span, three numbers each. */
  readonly spans: number[] = [];
  ingestedFrom = Infinity;
  ingestedTo = -Infinity;

  /** Events stored with times in [loMs, hiMs] and ingest times in [ingestedFrom, ingestedTo]. */
  add(loMs: number, hiMs: number, events: number, ingestedFrom: number, ingestedTo: number): void {
    this.spans.push(loMs, hiMs, events);
    if (ingestedFrom < this.ingestedFrom) this.ingestedFrom = ingestedFrom;
    if (ingestedTo > this.ingestedTo) this.ingestedTo = ingestedTo;
  }

  /** The transaction's runs: its spans in time order, split at the largest gaps over RUN_GAP_MS. */
  runs(): RunRow[] {
    const count = this.spans.length / 3;
    const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => this.spans[3 * a]! - this.spans[3 * b]!);
    // gaps[k]: from the latest time of the spans before order[k + 1] to its first.
    const gaps: number[] = [];
    let hi = -Infinity;
    for (let k = 0; k < count; k++) {
      const i = order[k]!;
      if (k > 0) gaps.push(this.spans[3 * i]! - hi);
      hi = Math.max(hi, this.spans[3 * i + 1]!);
    }
    const splits = new Set(
      gaps
        .map((gap, k) => [gap, k] as const)
        .filter(([gap]) => gap > RUN_GAP_MS)
        .sort((a, b) => b[0] - a[0])
        .slice(0, MAX_RUNS - 1)
        .map(([, k]) => k),
    );
    const runs: RunRow[] = [];
    let run: RunRow | undefined;
    for (let k = 0; k < count; k++) {
      const i = order[k]!;
      const [lo, spanHi, n] = [this.spans[3 * i]!, this.spans[3 * i + 1]!, this.spans[3 * i + 2]!];
      if (run && !splits.has(k - 1)) {
        run.hiMs = Math.max(run.hiMs, spanHi);
        run.events += n;
        continue;
      }
      run = { ingestedFrom: this.ingestedFrom, ingestedTo: this.ingestedTo, loMs: lo, hiMs: spanHi, events: n };
      runs.push(run);
    }
    return runs;
  }
}

/** Writes each transaction's runs into `ingest_runs` (writer thread), and removes those retention emptied. */
export class IngestRunWriter {
  private readonly upsert: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly expireRuns: Database.Statement;
  /** The run the last transaction wrote, when it wrote one only: the next one's may join it. */
  private last: RunRow | null = null;

  constructor(db: Database.Database) {
    this.upsert = db.prepare(UPSERT_RUN);
    this.remove = db.prepare(`DELETE FROM ingest_runs WHERE ingested_to = ? AND lo_ms = ?`);
    this.expireRuns = db.prepare(`DELETE FROM ingest_runs WHERE hi_ms < ?`);
  }

  write(transaction: TransactionRuns): void {
    const runs = transaction.runs();
    const [only] = runs;
    const last = this.last;
    if (runs.length === 1 && only && last && joins(last, only)) {
      this.remove.run(last.ingestedTo, last.loMs);
      const joined: RunRow = {
        ingestedFrom: Math.min(last.ingestedFrom, only.ingestedFrom),
        ingestedTo: Math.max(last.ingestedTo, only.ingestedTo),
        loMs: Math.min(last.loMs, only.loMs),
        hiMs: Math.max(last.hiMs, only.hiMs),
        events: last.events + only.events,
      };
      this.insert(joined);
      this.last = joined;
      return;
    }
    for (const run of runs) this.insert(run);
    this.last = runs.length === 1 ? only! : null;
  }

  /** Forgets the last run (its transaction may have been rolled back). */
  forget(): void {
    this.last = null;
  }

  /** Removes the runs whose events are all older than `cutoffMs` (retention deleted them). */
  expire(cutoffMs: number): void {
    this.expireRuns.run(cutoffMs);
    this.last = null;
  }

  private insert(run: RunRow): void {
    this.upsert.run(run.ingestedTo, run.loMs, run.hiMs, run.ingestedFrom, run.events);
  }
}

function joins(last: RunRow, next: RunRow): boolean {
  return (
    last.events + next.events <= JOIN_EVENTS &&
    Math.max(last.ingestedTo, next.ingestedTo) - Math.min(last.ingestedFrom, next.ingestedFrom) <= JOIN_SPAN_MS &&
    next.loMs <= last.hiMs + RUN_GAP_MS &&
    next.hiMs >= last.loMs - RUN_GAP_MS
  );
}

/**
 * The upgrade to schema 7: the events stored so far become one run (their time and ingest ranges, each read at an
 * end of an index), and the index on the ingest time goes. A tail reaching back before the upgrade reads all of
 * those events once per page, which only a stream resumed from before it does.
 */
export function runOfStoredEvents(db: Database.Database): void {
  const one = (sql: string) => db.prepare(sql).pluck().get() as number | null;
  const from = one(`SELECT min(ingested) FROM events`);
  if (from !== null) {
    db.prepare(UPSERT_RUN).run(
      one(`SELECT max(ingested) FROM events`),
      // Files of schema 6 are keyed by the millisecond.
      one(`SELECT ${MILLISECOND_KEYS.sqlUnitStartMs('min(rowid)')} FROM events`),
      one(`SELECT ${MILLISECOND_KEYS.sqlUnitStartMs('max(rowid)')} FROM events`),
      from,
      // Not counted: that reads every event, and the count only sizes a tail's steps (runChunks).
      0,
    );
  }
  db.exec(`DROP INDEX IF EXISTS events_ingested`);
}

/** The runs holding events ingested in [?, ?], as runChunks reads them. */
export const RUNS_SINCE = `SELECT ingested_from, lo_ms, hi_ms, events FROM ingest_runs
  WHERE ingested_to >= ? AND ingested_from <= ? ORDER BY ingested_from`;

/** One step of a tail read: the time ranges to read, and the latest ingest time whose events they all hold. */
export interface RunChunk {
  /** JSON array of [first, last] key units, sorted and disjoint (for runEvents). */
  ranges: string;
  upToMs: number;
  last: boolean;
}

/**
 * The ranges to read for events ingested in [sinceMs, untilMs], first those of the runs that start ingesting
 * earliest and hold about `want` events, then twice as many each step, until every run is read. Every event ingested
 * at or before a step's `upToMs` is in that step's ranges (the runs left out began ingesting later), so the first
 * `want` events in ingest order among them are the first of all: a tail stops at the first step that fills its
 * page, reading a page's worth of runs rather than all since its start.
 */
export function* runChunks(
  runsSince: Database.Statement,
  sinceMs: number,
  untilMs: number,
  want: number,
  keys: KeyLayout,
): Generator<RunChunk> {
  const runs = runsIn(runsSince, sinceMs, untilMs);
  let taken = 0;
  let events = 0;
  for (;;) {
    while (taken < runs.length && (events < want || runs[taken]![0] === runs[taken - 1]?.[0])) {
      events += runs[taken++]![3];
    }
    const next = runs[taken];
    yield {
      ranges: JSON.stringify(mergedRanges(runs.slice(0, taken), keys)),
      upToMs: next ? next[0] - 1 : untilMs,
      last: !next,
    };
    if (!next) return;
    want *= 2;
  }
}

/** The key units holding every event ingested in [sinceMs, untilMs] (a JSON array for runEvents). */
export function runRanges(runsSince: Database.Statement, sinceMs: number, untilMs: number, keys: KeyLayout): string {
  return JSON.stringify(mergedRanges(runsIn(runsSince, sinceMs, untilMs), keys));
}

type Run = [ingestedFrom: number, loMs: number, hiMs: number, events: number];

function runsIn(runsSince: Database.Statement, sinceMs: number, untilMs: number): Run[] {
  return runsSince.raw().all(sinceMs, untilMs) as Run[];
}

/**
 * The key units of the runs' time ranges, sorted and with overlapping or touching ones joined: two runs ending and
 * starting within one second share that second's keys.
 */
function mergedRanges(runs: Run[], keys: KeyLayout): [number, number][] {
  const units = runs.map(([, lo, hi]): [number, number] => [keys.unitOf(lo), keys.unitOf(hi)]);
  const sorted = units.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const range of sorted) {
    const last = out.at(-1);
    if (last && range[0] <= last[1] + 1) last[1] = Math.max(last[1], range[1]);
    else out.push(range);
  }
  return out;
}
