import type Database from 'better-sqlite3';
import type { QueryNode } from '../../query/ast.js';
import type { SearchPage, SearchRequest, SortKey } from '../log-store.js';
import { totalBound } from '../total-bound.js';
import type { ContextRequest, ContextResult, TailCountRequest, TailEvent, TailRequest } from '../read-model.js';
import { compileSql, LIVE, withoutLive, type CompiledSql } from './compile-sql.js';
import {
  MINUTE_MS,
  ROLLUP_UNITS,
  rollupBound,
  rollupWhere,
  segments,
  SOURCE_FIELD,
  sourcesCounted,
} from './count-rollup.js';
import { idTextSql } from './event-ids.js';
import { KEY_MAX_MS, KEY_MIN_MS, KEYS_PER_UNIT, type KeyLayout } from './event-key.js';
import { runChunks, runEvents, runRanges, RUNS_SINCE } from './ingest-runs.js';
import { keyValueSql, nameSql } from './stored-names.js';
import {
  EVENT_COLUMN_COUNT,
  eventColumns,
  EventRowReader,
  rowKey,
  rowToHit,
  sortRows,
  type EventRow,
} from './event-rows.js';
import { prefixWords, type PrefixWords } from './prefix-words.js';
import type { QueryFunctions } from './sql-functions.js';

/** One read: a compiled query over a window of milliseconds, in one order. */
interface Scan {
  sql: CompiledSql;
  fromMs: number;
  toMs: number;
  order: 'asc' | 'desc';
  /** The query as the rollup reads it, when the walk should visit only the slots it counts matches in (slotGuide). */
  guide?: RollupFilter | null;
}

/** A rollup WHERE (count-rollup.ts) with its parameters. */
interface RollupFilter {
  where: string;
  params: unknown[];
}

/** Rollup rows, one per (slot, host) with matches, read per statement while a walk looks for its rows. */
const GUIDE_PAGE = 256;
/** A 15-minute slot with fewer matches than this is walked by its matching minutes only. */
const SPARSE_SLOT = 32;
/**
 * A minute whose matches come from at most this many hosts is read through the host index, those hosts' events only;
 * with more, reading the whole minute in key order costs less than the lookups and the sort.
 */
const NARROW_HOSTS = 8;
/** (host, slot) pairs read by one statement in a guided walk. */
const MINUTE_BATCH = 64;

/**
 * A part of a guided walk's window: a slot of `unit` minutes clipped to the window, with the matches the rollup
 * counts in the whole slot and, for a sparse one, the hosts they come from with their counts.
 */
interface MatchingRange {
  from: number;
  to: number;
  unit: number;
  n: number;
  hosts?: [host: string, n: number][];
}

/**
 * A page's total of a query whose matches are checked on their message (a phrase's word order, a wildcard or regex
 * on the message) is exact up to this many matches, then `gte`. Each check decodes the message's block, ~25 µs, and
 * the matches of a phrase with a host filter are rarely in the same block: "connection reset by peer" with
 * host:db-1 at 1M events took 270 ms counted up to 10,000, 37-39 ms up to 1,000 (bench/embedded-store.ts).
 */
export const MESSAGE_CHECK_TOTAL_CAP = 1000;

/** A row with the low bits of its key: `ms` and `n` give the rowid back exactly (KeyLayout.keyOf). */
export type KeyedRow = EventRow & { n: number };

export interface EmbeddedSearchOptions {
  searchTimeoutMs: number;
  /** Totals are exact up to this many hits, then `gte`. */
  exactTotalUpTo: number;
}

/**
 * The event listings of the embedded store: search pages, context, tail and the migration's read. Reads walk rowids
 * (time order between key units: event-key.ts) from FTS5 or an index and stop after `limit` rows; the events of the
 * key unit at the cut (a millisecond, or a second) are then read in the exact order (time, host, source, offset, id),
 * so pages neither repeat nor skip events of the same time.
 */
export class EmbeddedSearch {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly words: PrefixWords;
  private readonly reader: EventRowReader;
  /** The columns of every event read (eventColumns). */
  private readonly columns: string;
  /** The columns that order the events of one key unit: the sort key (rowKey). */
  private readonly order: readonly string[];

  constructor(
    private readonly db: Database.Database,
    private readonly functions: QueryFunctions,
    private readonly options: EmbeddedSearchOptions,
    /** The file's key layout (keyLayout). */
    private readonly keys: KeyLayout,
  ) {
    this.words = prefixWords(db);
    this.reader = new EventRowReader(db);
    this.columns = eventColumns(keys);
    this.order = [keys.sqlMs('e'), ...TIE_COLUMNS];
  }

  search(request: SearchRequest): SearchPage {
    const started = performance.now();
    const sql = compileSql(request.query, Date.now(), this.words, this.keys);
    const fromMs = clampMs(request.from.getTime());
    const scan: Scan = {
      sql,
      fromMs,
      toMs: clampMs(request.to.getTime()),
      order: request.order,
      guide: sql.fts ? null : slotGuide(request.query, sourcesCounted(this.db, fromMs)),
    };
    return this.functions.withDeadline(this.options.searchTimeoutMs, () => {
      const { rows, all } = this.page(scan, request.limit, request.after);
      // A first page that holds every match of the window is its own total: a rare word's or level's matches are
      // all on it, and counting them again read each one a second time (or the window's edge minutes).
      const exact =
        request.countTotal === false || (all && !request.after) ? rows.length : this.rollupCount(request.query, scan);
      // The rollup answers exactly the queries totalBound counts up to exactTotalUpTo; the others scan up to the bound,
      // and those that read each candidate's message up to a lower one unless the caller needs the number itself.
      const bound = totalBound(request, this.options.exactTotalUpTo);
      const cap = sql.readsMessages && request.exactTotal !== true ? Math.min(bound, MESSAGE_CHECK_TOTAL_CAP) : bound;
      const total = exact ?? this.count(scan, cap);
      const last = rows.at(-1);
      return {
        hits: rows.map(rowToHit),
        lastKey: rows.length === request.limit && last ? rowKey(last) : null,
        total: total > cap ? { value: cap, relation: 'gte' } : { value: total, relation: 'eq' },
        tookMs: Math.round(performance.now() - started),
        snapshot: null,
      };
    });
  }

  /** The row of one event id, if stored. */
  eventRow(id: string): EventRow | undefined {
    const stored = this.reader.ids.stored(id);
    if (stored === null) return undefined;
    return this.rows(`SELECT ${this.columns} FROM events e WHERE e.id = ?`, stored)[0];
  }

  context(request: ContextRequest): ContextResult | null {
    const anchor = this.eventRow(request.id);
    if (!anchor) return null;
    const hosts: QueryNode =
      request.hosts.length === 0
        ? { kind: 'all' }
        : {
            kind: 'or',
            children: request.hosts.map((h) => ({
              kind: 'term',
              field: 'host.name',
              value: h,
              phrase: true,
              wildcard: false,
            })),
          };
    const sql = compileSql(hosts, Date.now(), undefined, this.keys);
    const window = request.windowMs;
    const key = rowKey(anchor);
    return this.functions.withDeadline(this.options.searchTimeoutMs, () => {
      const before =
        request.before === 0
          ? []
          : this.page(
              { sql, order: 'desc', toMs: anchor.ms, fromMs: window === undefined ? KEY_MIN_MS : anchor.ms - window },
              request.before,
              key,
            ).rows;
      const after =
        request.after === 0
          ? []
          : this.page(
              { sql, order: 'asc', fromMs: anchor.ms, toMs: window === undefined ? KEY_MAX_MS : anchor.ms + window },
              request.after,
              key,
            ).rows;
      return { anchor: rowToHit(anchor), before: before.reverse().map(rowToHit), after: after.map(rowToHit) };
    });
  }

  /**
   * Events ingested at or after `sinceMs` and after `request.after`, oldest first by (ingest time, id), as
   * Elasticsearch's tail. Without honouring `after`, a request of more events than a page in one millisecond
   * handed the same first page back forever and the tail stopped there.
   */
  tail(request: TailRequest): TailEvent[] {
    const sql = compileSql(request.query, Date.now(), undefined, this.keys);
    const ingested = this.keys.sqlIngested('e');
    const after = request.after ? ` AND (${ingested} > ? OR ${ID_TEXT} > ?)` : '';
    const statement = `SELECT ${this.columns} FROM ${runEvents(this.keys)}
      WHERE ${ingested} BETWEEN ? AND ?${after}${tailFts(sql)} AND (${sql.where}) ORDER BY ${ingested}, ${ID_TEXT} LIMIT ?`;
    const params = [
      ...(request.after ? [request.after.ingestedMs, request.after.id] : []),
      ...(sql.fts ? [sql.fts] : []),
      ...sql.params,
      request.limit,
    ];
    // The runs and their events from one snapshot: a transaction committed in between would be half read.
    const rows = this.functions.withDeadline(this.options.searchTimeoutMs, () =>
      this.snapshot(() => {
        const steps = runChunks(
          this.statement(RUNS_SINCE),
          request.sinceMs,
          Number.MAX_SAFE_INTEGER,
          request.limit,
          this.keys,
        );
        for (const step of steps) {
          const found = this.rows(statement, step.ranges, request.sinceMs, step.upToMs, ...params);
          if (found.length === request.limit || step.last) return found;
        }
        return [];
      }),
    );
    return rows.map((row) => ({ hit: rowToHit(row), position: { ingestedMs: row.ingested, id: row.id } }));
  }

  /**
   * Matching events ingested within [sinceMs, untilMs]: a live tail compares it with what it sent to notice events
   * that became visible late, instead of reading its whole overlap span again on every poll.
   */
  tailCount(request: TailCountRequest): number {
    const sql = compileSql(request.query, Date.now(), undefined, this.keys);
    const fts = tailFts(sql);
    const count = this.statement(
      `SELECT count(*) FROM ${runEvents(this.keys)} WHERE ${this.keys.sqlIngested('e')} BETWEEN ? AND ?${fts} AND (${sql.where})`,
    ).pluck();
    return this.functions.withDeadline(this.options.searchTimeoutMs, () =>
      this.snapshot(() => {
        const ranges = runRanges(this.statement(RUNS_SINCE), request.sinceMs, request.untilMs, this.keys);
        return count.get(
          ranges,
          request.sinceMs,
          request.untilMs,
          ...(sql.fts ? [sql.fts] : []),
          ...sql.params,
        ) as number;
      }),
    );
  }

  /**
   * Up to `limit` rows in [fromMs, toMs] with a key above `after` (null: from the window's start), in key order: the
   * read of `logship migrate` (EmbeddedStore.exportEvents). The cursor is folded into the one lower bound of the
   * rowid range, so SQLite starts its walk at the cursor; a separate `rowid > ?` could be left as a filter over
   * every row from the window's start, and each page would be slower than the last.
   */
  keyedRows(fromMs: number, toMs: number, after: bigint | null, limit: number): KeyedRow[] {
    if (limit <= 0 || fromMs > toMs) return [];
    // The key range covers whole units: the window's edge seconds are also checked by the row's millisecond (a
    // rowid term of their own could become the walk's lower bound instead of the cursor's).
    const { keys } = this;
    const values = this.statement(
      `SELECT ${this.columns}, e.rowid & ${KEYS_PER_UNIT - 1} AS n FROM events e
       WHERE e.rowid BETWEEN max(${keys.sqlKey('?', '0')}, coalesce(? + 1, ${keys.sqlKey('?', '0')}))
         AND ${keys.sqlKey('?', `${KEYS_PER_UNIT - 1}`)} AND ${keys.sqlMs('e')} BETWEEN ? AND ?
       ORDER BY e.rowid LIMIT ?`,
    )
      .raw(true)
      .all(keys.unitOf(fromMs), after, keys.unitOf(fromMs), keys.unitOf(toMs), fromMs, toMs, limit) as unknown[][];
    return values.map((v) => ({ ...this.reader.row(v), n: v[EVENT_COLUMN_COUNT] as number }));
  }

  /**
   * Up to `limit` rows after `after` (a sort key), in the exact search order; `all` when they are every match left
   * in the window.
   */
  private page(scan: Scan, limit: number, after?: SortKey): { rows: EventRow[]; all: boolean } {
    if (limit <= 0 || scan.fromMs > scan.toMs) return { rows: [], all: limit > 0 };
    const { keys } = this;
    let { fromMs, toMs } = scan;
    let rows: EventRow[] = [];
    if (after) {
      const ms = Number(after[0]);
      if (!Number.isFinite(ms)) return { rows: [], all: true };
      // The cursor's own key unit: its remaining events first, then those of strictly older (desc) or newer (asc)
      // units. With second keys the cursor's second may begin before the window and hold events of it all the same.
      rows = this.unit(scan, ms, limit, after);
      if (scan.order === 'desc') toMs = Math.min(toMs, keys.unitStart(ms) - 1);
      else fromMs = Math.max(fromMs, keys.unitStart(ms) + keys.unitMs);
      if (rows.length >= limit) return { rows, all: false };
    }
    const need = limit - rows.length;
    if (fromMs > toMs) return { rows, all: true };
    // One row past the page tells whether the page's last unit continues beyond it, and whether anything matches
    // beyond the page at all. The units before the last are whole on the page, only out of order within each.
    const more = this.walk(scan, fromMs, toMs, need + 1);
    if (more.length <= need) return { rows: rows.concat(sortRows(more, scan.order, keys)), all: true };
    const lastMs = more[need - 1]!.ms;
    const lastUnit = keys.unitOf(lastMs);
    if (keys.unitOf(more[need]!.ms) !== lastUnit) {
      return { rows: rows.concat(sortRows(more.slice(0, need), scan.order, keys)), all: false };
    }
    // The last unit continues past the limit: its first events in the exact order come from SQL, and only as many as
    // the page still needs, however many events share that unit. Which of them come first is known only once the
    // whole unit is ordered: with second keys the walk gives a second's events in write order.
    const whole = sortRows(
      more.filter((r) => keys.unitOf(r.ms) !== lastUnit),
      scan.order,
      keys,
    );
    return {
      rows: rows.concat(whole, this.unit({ ...scan, fromMs, toMs }, lastMs, need - whole.length)),
      all: false,
    };
  }

  /** Rows in key order within [fromMs, toMs], at most `limit`. */
  private walk(scan: Scan, fromMs: number, toMs: number, limit: number): EventRow[] {
    const dir = scan.order === 'asc' ? 'ASC' : 'DESC';
    const { sql } = scan;
    if (sql.fts) {
      // Words alone (no other filter): every row FTS5 gives is on the page, so the statement stops after `limit` rows
      // and the liveness check runs once before it rather than as a call into JavaScript for each hit.
      const wordsOnly = sql.where === LIVE;
      if (wordsOnly) this.functions.check();
      return this.rows(
        `SELECT ${this.columns} FROM events_fts f CROSS JOIN events e ON e.rowid = f.rowid
         WHERE events_fts MATCH ? AND ${this.keys.window('f.rowid', this.keys.sqlMs('e'))}
         AND (${wordsOnly ? '1' : sql.where}) ORDER BY f.rowid ${dir} LIMIT ?`,
        sql.fts,
        ...this.keys.windowParams(fromMs, toMs),
        ...sql.params,
        limit,
      );
    }
    const range = (where: string) =>
      `SELECT ${this.columns} FROM events e WHERE ${this.keys.window('e.rowid', this.keys.sqlMs('e'))}
       AND (${where}) ORDER BY e.rowid ${dir} LIMIT ?`;
    const window = (from: number, to: number) => this.keys.windowParams(from, to);
    if (!scan.guide) return this.rows(range(sql.where), ...window(fromMs, toMs), ...sql.params, limit);
    const guide = scan.guide;
    // A guided walk reads the minutes the rollup counts few matches in: such a statement reads the events of a few
    // minutes at most, so the deadline is checked between them rather than per row (a third of the walk's time:
    // 0.35 → 0.11 ms per minute of 1,000 events). Whole slots keep the check per row.
    const slot = range(sql.where);
    const minute = range(withoutLive(sql.where));
    // Of a sparse slot, only the minutes the rollup counts matches of a host in, and only that host's events, through
    // the host index: a minute of 30 hosts holds ~1,000 events at 10M, and reading all of them for the one at a rare
    // level made the walk grow with the data (25 ms for 100 such events). The minutes are probed one lookup each on
    // the rollup key (unit, minute, host) in the walk's order within the statement that reads their events, and the
    // probing stops once they hold the slot's count for the host: a statement costs 10-40 µs however few rows it
    // finds, and a statement per slot to list its minutes cost more than the events of a rare level (42 µs per slot
    // at 10M). A minute the rollup counts one match in is read up to that match (LIMIT 1), about half of its ~33
    // events of the host at 10M. The statement reads the pending (host, slot) pairs of several slots at once; their
    // values are taken out of their JSON once (MATERIALIZED): `->>` parses the element's text again at each use.
    const step = scan.order === 'asc' ? 1 : -1;
    const counts = (minute: string, host: string) =>
      `(SELECT sum(c.n) FROM event_counts c WHERE c.unit = ${ROLLUP_UNITS.at(-1)!} AND c.slot = ${minute}
        AND c.host = ${host} AND (${guide.where}))`;
    // The minute's window values (KeyLayout.window) computed once per minute, in `m`.
    const minuteWindow = this.keys.sqlWindowValues(
      `max(lo, minute * ${MINUTE_MS})`,
      `min(hi, minute * ${MINUTE_MS} + ${MINUTE_MS - 1})`,
    );
    const minuteKeys = this.keys.window(
      'e.rowid',
      this.keys.sqlMs('e'),
      minuteWindow.map((_, i) => `mw${i}`),
    );
    const hostMinute = `e.host = mv AND ${minuteKeys}`;
    const where = withoutLive(sql.where);
    // A pair names its host twice: as the rollup keeps it (text) and as its rows hold it (NameReader.hostKey(), a
    // code for most), which the host index is joined on.
    const byHost = `WITH RECURSIVE p AS MATERIALIZED (
         SELECT j.value ->> 0 AS ph, j.value ->> 1 AS pk, j.value ->> 2 AS pfirst, j.value ->> 3 AS plast,
                j.value ->> 4 AS pn, j.value ->> 5 AS plo, j.value ->> 6 AS phi FROM json_each(?) j),
       probe(ph, hv, minute, last, left, n, lo, hi) AS (
         SELECT ph, ${keyValueSql('pk')}, pfirst, plast, pn, ${counts('pfirst', 'ph')}, plo, phi FROM p
         UNION ALL
         SELECT ph, hv, minute + ${step}, last, left - coalesce(n, 0), ${counts(`minute + ${step}`, 'ph')}, lo, hi
         FROM probe WHERE minute ${step === 1 ? '<' : '>'} last AND left - coalesce(n, 0) > 0),
       m AS MATERIALIZED (
         SELECT hv AS mv, ${minuteWindow.map((v, i) => `${v} AS mw${i}`).join(', ')}, n AS mn FROM probe WHERE n > 0)
       SELECT ${this.columns}, e.rowid FROM m CROSS JOIN events e ON e.rowid = (
         SELECT e.rowid FROM events e WHERE ${hostMinute} AND (${where}) ORDER BY e.rowid ${dir} LIMIT 1)
       WHERE mn = 1
       UNION ALL
       SELECT ${this.columns}, e.rowid FROM m CROSS JOIN events e ON ${hostMinute} WHERE mn > 1 AND (${where})
       ORDER BY ${EVENT_COLUMN_COUNT + 1} ${dir} LIMIT ?`;
    const rows: EventRow[] = [];
    let pending: [host: string, key: string, first: number, last: number, n: number, from: number, to: number][] = [];
    // Matches the rollup counts in the pending slots: once they could fill the page, they are read.
    let counted = 0;
    const flush = (): void => {
      if (pending.length === 0 || rows.length >= limit) return;
      const found = this.rows(
        byHost,
        JSON.stringify(pending),
        ...guide.params,
        ...guide.params,
        ...sql.params,
        ...sql.params,
        limit - rows.length,
      );
      pending = [];
      counted = 0;
      for (const row of found) rows.push(row);
    };
    for (const part of this.matchingRanges(guide, fromMs, toMs, scan.order)) {
      this.functions.check();
      const { from, to, hosts } = part;
      if (hosts && narrow(hosts)) {
        // The minutes in the walk's order, first to last.
        const [first, last] = [Math.floor(from / MINUTE_MS), Math.floor(to / MINUTE_MS)];
        const [a, b] = step === 1 ? [first, last] : [last, first];
        for (const [host, n] of hosts) pending.push([host, this.reader.names.hostKey(host), a, b, n, from, to]);
        counted += part.n;
        if (pending.length >= MINUTE_BATCH || counted >= limit - rows.length) flush();
      } else {
        flush();
        if (rows.length >= limit) break;
        const statement = part.unit === ROLLUP_UNITS.at(-1) ? minute : slot;
        for (const row of this.rows(statement, ...window(from, to), ...sql.params, limit - rows.length)) rows.push(row);
      }
      if (rows.length >= limit) break;
    }
    flush();
    return rows;
  }

  /**
   * The parts of [fromMs, toMs] that hold matching events by the rollup, in the walk's order: each 15-minute slot
   * with matches, whole when it has many; when it has few, with the hosts they come from (their minutes are found on
   * the rollup key when read), or, from more hosts than are read one by one, as its minutes with matches. Service and
   * level have no index (embedded-schema.ts): a value in 10 of 1,000,000 events was a walk of every row (430–550 ms);
   * this walks only the minutes that hold it. A common value's first slot usually fills the page.
   */
  private *matchingRanges(
    guide: RollupFilter,
    fromMs: number,
    toMs: number,
    order: 'asc' | 'desc',
  ): Generator<MatchingRange> {
    const dir = order === 'asc' ? 'ASC' : 'DESC';
    // A row per (slot, host) with matches, in the rollup key's order: the slot's sum tells whole slot or minutes, and
    // its hosts find the minute rows on the key (unit, slot, host) instead of reading every host's rows of 15 minutes
    // (~1,800 at 10M events, for each slot holding a match).
    const slots = this.statement(
      `SELECT slot, host, sum(n) AS n FROM event_counts WHERE unit = ? AND slot BETWEEN ? AND ? AND (${guide.where})
       GROUP BY slot, host ORDER BY slot ${dir}, host ${dir} LIMIT ${GUIDE_PAGE}`,
    );
    const minutes = this.statement(
      `SELECT slot, host, sum(n) AS n FROM event_counts WHERE unit = ? AND slot IN (SELECT value FROM json_each(?))
       AND host IN (SELECT value FROM json_each(?)) AND (${guide.where})
       GROUP BY slot, host ORDER BY slot ${dir}`,
    );
    const clip = (unit: number, slot: number, n: number, hosts?: [string, number][]): MatchingRange => ({
      from: Math.max(fromMs, slot * unit * MINUTE_MS),
      to: Math.min(toMs, (slot + 1) * unit * MINUTE_MS - 1),
      unit,
      n,
      ...(hosts ? { hosts } : {}),
    });
    // The two finest units: a slot of the coarser is walked whole or by its minutes.
    const [coarse, fine] = ROLLUP_UNITS.slice(-2) as [number, number];
    let first = Math.floor(fromMs / (coarse * MINUTE_MS));
    let last = Math.floor(toMs / (coarse * MINUTE_MS));
    while (first <= last) {
      const page = slots.all(coarse, first, last, ...guide.params) as { slot: number; host: string; n: number }[];
      const full = page.length === GUIDE_PAGE;
      // A full page may end inside a slot: that slot is read again at the start of the next page, unless it is the
      // whole page (so many hosts that it is not sparse anyway).
      const lastSlot = page.at(-1)?.slot;
      const complete = full && page[0]!.slot !== lastSlot ? page.filter((r) => r.slot !== lastSlot) : page;
      for (let i = 0; i < complete.length;) {
        const slot = complete[i]!.slot;
        const hosts: [string, number][] = [];
        let n = 0;
        for (; i < complete.length && complete[i]!.slot === slot; i++) {
          hosts.push([complete[i]!.host, complete[i]!.n]);
          n += complete[i]!.n;
        }
        if (n >= SPARSE_SLOT || (full && complete.length === page.length)) {
          yield clip(coarse, slot, n);
          continue;
        }
        if (narrow(hosts)) {
          yield clip(coarse, slot, n, hosts);
          continue;
        }
        const within = Array.from({ length: coarse / fine }, (_, k) => slot * (coarse / fine) + k);
        const found = minutes.all(
          fine,
          JSON.stringify(within),
          JSON.stringify(hosts.map(([host]) => host)),
          ...guide.params,
        ) as {
          slot: number;
          host: string;
          n: number;
        }[];
        for (let j = 0; j < found.length;) {
          const minute = found[j]!.slot;
          const minuteHosts: [string, number][] = [];
          let inMinute = 0;
          for (; j < found.length && found[j]!.slot === minute; j++) {
            minuteHosts.push([found[j]!.host, found[j]!.n]);
            inMinute += found[j]!.n;
          }
          // The slot's minutes before or after the window have no part in it.
          const part = clip(fine, minute, inMinute, minuteHosts);
          if (part.from <= part.to) yield part;
        }
      }
      if (!full) return;
      const next = complete.at(-1)!.slot;
      if (order === 'asc') first = next + 1;
      else last = next - 1;
    }
  }

  /**
   * The first `limit` matching rows of the key unit holding `ms` (within the scan's window) in the exact order
   * (time, host, source, offset, id), after the sort key `after` when given. SQLite picks them with a top-N sort
   * over the order's columns alone and reads the whole rows of only those: 300,000 events sharing one millisecond
   * once made a `limit=1` page read them all into memory.
   */
  private unit(scan: Scan, ms: number, limit: number, after?: SortKey): EventRow[] {
    const { keys } = this;
    const fromMs = Math.max(scan.fromMs, keys.unitStart(ms));
    const toMs = Math.min(scan.toMs, keys.unitStart(ms) + keys.unitMs - 1);
    if (limit <= 0 || fromMs > toMs) return [];
    const dir = scan.order === 'asc' ? 'ASC' : 'DESC';
    const order = this.order.map((c) => `${c} ${dir}`).join(', ');
    const cursor = after ? afterKey(this.order, after, scan.order) : { sql: '1', params: [] };
    const { sql } = scan;
    const from = sql.fts
      ? `events_fts f CROSS JOIN events e ON e.rowid = f.rowid WHERE events_fts MATCH ? AND ${keys.window('f.rowid', keys.sqlMs('e'))}`
      : `events e WHERE ${keys.window('e.rowid', keys.sqlMs('e'))}`;
    return this.rows(
      `SELECT ${this.columns} FROM events e WHERE e.rowid IN (
         SELECT e.rowid FROM ${from} AND (${sql.where}) AND (${cursor.sql}) ORDER BY ${order} LIMIT ?)
       ORDER BY ${order}`,
      ...(sql.fts ? [sql.fts] : []),
      ...keys.windowParams(fromMs, toMs),
      ...sql.params,
      ...cursor.params,
      limit,
    );
  }

  /** The exact count from the per-minute rollup plus the edges, or null when the query needs more than it keeps. */
  rollupCount(query: QueryNode, scan: Omit<Scan, 'order'>): number | null {
    const params: unknown[] = [];
    const where = rollupWhere(query, params, sourcesCounted(this.db, scan.fromMs));
    if (where === null) return null;
    let total = 0;
    for (const part of segments(scan.fromMs, scan.toMs)) {
      if (part.unit === null) {
        // The partial minutes at the window's edges are counted from their events, but only where the rollup has
        // matches in those minutes, and only those hosts' events: reading a whole minute (~1,000 events at 10M) for a
        // level that is not in it grew with the data.
        const hosts = this.statement(
          `SELECT DISTINCT host FROM event_counts WHERE unit = 1 AND slot BETWEEN ? AND ? AND (${where})`,
        )
          .pluck()
          .all(Math.floor(part.first / MINUTE_MS), Math.floor(part.last / MINUTE_MS), ...params) as string[];
        if (hosts.length === 0) continue;
        const narrowed = hosts.length <= NARROW_HOSTS ? this.hostFilter(hosts) : null;
        total += this.count({ ...scan, fromMs: part.first, toMs: part.last }, Number.MAX_SAFE_INTEGER - 1, narrowed);
      } else {
        total += this.statement(
          `SELECT coalesce(sum(n), 0) FROM event_counts WHERE unit = ? AND slot BETWEEN ? AND ? AND (${where})`,
        )
          .pluck()
          .get(part.unit, part.first, part.last, ...params) as number;
      }
    }
    return total;
  }

  /** Matching events in the window, counted up to `cap + 1`; only among the events `narrowed` holds for, if given. */
  count(scan: Omit<Scan, 'order'>, cap: number, narrowed: CompiledSql | null = null): number {
    const { sql } = scan;
    const { keys } = this;
    const window = keys.windowParams(scan.fromMs, scan.toMs);
    if (sql.fts && sql.where === LIVE) {
      // No other filter: FTS5 counts from its own index with the rowid range, without touching the events but for
      // the rows of the window's edge seconds, whose millisecond is looked up (none with millisecond keys).
      const ms = `(SELECT ${keys.sqlMs('e')} FROM events e WHERE e.rowid = f.rowid)`;
      return this.statement(
        `SELECT count(*) FROM (SELECT 1 FROM events_fts f WHERE events_fts MATCH ?
         AND ${keys.window('f.rowid', ms)} LIMIT ?)`,
      )
        .pluck()
        .get(sql.fts, ...window, cap + 1) as number;
    }
    if (sql.fts) {
      return this.statement(
        `SELECT count(*) FROM (SELECT 1 FROM events_fts f CROSS JOIN events e ON e.rowid = f.rowid
         WHERE events_fts MATCH ? AND ${keys.window('f.rowid', keys.sqlMs('e'))}
         AND (${sql.where}) LIMIT ?)`,
      )
        .pluck()
        .get(sql.fts, ...window, ...sql.params, cap + 1) as number;
    }
    return this.statement(
      `SELECT count(*) FROM (SELECT 1 FROM events e
       WHERE (${narrowed ? withoutLive(narrowed.where) : '1'}) AND ${keys.window('e.rowid', keys.sqlMs('e'))}
       AND (${sql.where}) LIMIT ?)`,
    )
      .pluck()
      .get(...(narrowed ? narrowed.params : []), ...window, ...sql.params, cap + 1) as number;
  }

  /**
   * The events of these rollup hosts, as a filter the host index answers, each host's stored value bound as the
   * reader knows it: host.name terms (codeEqualsSql) look each host up in SQL, and 8 of them ORed made the count of
   * a window's edge minutes at 1M events 54 → 145 µs. Null when one of them is '' (the rollup's name for events
   * without a host, which the index finds under NULL).
   */
  private hostFilter(hosts: readonly string[]): CompiledSql | null {
    if (hosts.length === 0 || hosts.includes('')) return null;
    return {
      fts: null,
      where: hosts.map(() => '(e.host = ?)').join(' OR '),
      params: hosts.map((host) => this.reader.names.hostValue(host)),
      readsMessages: false,
    };
  }

  /** Runs `read` in one read transaction: every statement in it sees the same snapshot of the file. */
  private snapshot<T>(read: () => T): T {
    if (this.db.inTransaction) return read();
    this.db.exec('BEGIN');
    try {
      return read();
    } finally {
      // An interrupted statement (the search timeout) may have ended the transaction already.
      if (this.db.inTransaction) this.db.exec('COMMIT');
    }
  }

  /** The event rows of a statement selecting eventColumns(). */
  private rows(sql: string, ...params: unknown[]): EventRow[] {
    return this.reader.all(this.statement(sql), params);
  }

  /** Prepared statements by SQL text; queries repeat (same filters, other values), so the cache stays small. */
  private statement(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      if (this.statements.size >= 500) this.statements.clear();
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}

/** An event's id as text, which the tail and the ties are ordered by (event-ids.ts). */
const ID_TEXT = idTextSql('e.id');

/** The columns that order the events of one time, as the sort key after the time (rowKey). */
const TIE_COLUMNS = [nameSql('host'), nameSql('source'), 'e.off', ID_TEXT] as const;

/**
 * SQL for "the sort key's `columns` come strictly after `values` in the `order`", with NULL before every value as in
 * compareKeys: (a > x) OR (a = x AND ((b > y) OR (b = y AND …))).
 */
function afterKey(
  columns: readonly string[],
  values: SortKey,
  order: 'asc' | 'desc',
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const build = (i: number): string => {
    const column = columns[i]!;
    const value = values[i] ?? null;
    let beyond: string;
    if (value === null) beyond = order === 'asc' ? `${column} IS NOT NULL` : '0';
    else {
      params.push(value);
      beyond = order === 'asc' ? `${column} > ?` : `(${column} IS NULL OR ${column} < ?)`;
    }
    if (i === columns.length - 1) return beyond;
    let same: string;
    if (value === null) same = `${column} IS NULL`;
    else {
      params.push(value);
      same = `${column} = ?`;
    }
    return `(${beyond} OR (${same} AND ${build(i + 1)}))`;
  };
  return { sql: build(0), params };
}

/**
 * The rollup's reading of a query whose walk it should guide: one that filters on service, level or source (no
 * index, embedded-schema.ts); null otherwise. The guide is the query's upper bound on the rollup (rollupBound): every
 * slot holding a match has a row it holds for, so the walk visits every match and the statements check the whole
 * query on the rows. Filters the rollup does not keep (a label, a range, a regex) only widen it. `sources`: whether
 * the rollup rows of the window know their source (count-rollup.ts).
 */
function slotGuide(query: QueryNode, sources: boolean): RollupFilter | null {
  if (!filtersOn(query, UNINDEXED_ROLLUP_FIELDS)) return null;
  const params: unknown[] = [];
  const where = rollupBound(query, params, sources, true);
  return params.length === 0 ? null : { where, params };
}

const UNINDEXED_ROLLUP_FIELDS = new Set(['service.name', 'log.level', SOURCE_FIELD]);

/**
 * Whether a sparse slot's or minute's matches come from few enough hosts to be read through the host index, those
 * hosts' events only; '' is the rollup's name for events without a host, which the index finds under NULL.
 */
function narrow(hosts: readonly [host: string, n: number][]): boolean {
  return hosts.length <= NARROW_HOSTS && hosts.every(([host]) => host !== '');
}

function filtersOn(node: QueryNode, fields: ReadonlySet<string>): boolean {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.children.some((c) => filtersOn(c, fields));
    case 'not':
      return filtersOn(node.child, fields);
    case 'term':
      return node.field !== null && fields.has(node.field);
    default:
      return false;
  }
}

/** Keeps a time inside the searchable range. */
export function clampMs(ms: number): number {
  return Math.min(KEY_MAX_MS, Math.max(KEY_MIN_MS, ms));
}

/**
 * The full-text part of a tail read: the recent rows (the ingest runs' time ranges) drive it and FTS5 is asked per
 * row, which stays cheap for a live tail.
 */
function tailFts(sql: CompiledSql): string {
  return sql.fts ? ' AND EXISTS (SELECT 1 FROM events_fts WHERE events_fts MATCH ? AND rowid = e.rowid)' : '';
}
