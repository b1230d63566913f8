import type Database from 'better-sqlite3';
import { KNOWN_FIELDS, LABELS_PREFIX, topValuesField } from '../field-catalogue.js';
import type {
  EventFilter,
  FieldInfo,
  HistogramBucket,
  HistogramRequest,
  HostActivity,
  TopValues,
  TopValuesRequest,
} from '../read-model.js';
import type { Heartbeat, HostClock } from '../../../protocol/heartbeat.js';
import { bucketStarts } from '../../query/histogram-interval.js';
import { QueryError } from '../../query/query-error.js';
import { compileSql, valueSql, type CompiledSql } from './compile-sql.js';
import {
  MINUTE_MS,
  ROLLUP_UNITS,
  rollupColumn,
  rollupWhere,
  segments,
  sourcesCounted,
  unitsFor,
} from './count-rollup.js';
import type { KeyLayout } from './event-key.js';
import { prefixWords, type PrefixWords } from './prefix-words.js';
import { codeEqualsParams, codeEqualsSql, nameOf } from './stored-names.js';
import type { QueryFunctions } from './sql-functions.js';
import { clampMs } from './embedded-search.js';
import { NONE_KEY, stacks } from '../histogram-stacks.js';

/** `/fields` looks at this many of the newest matching events for label and parsed-field names. */
const FIELD_SAMPLE = 2000;

/** The FROM/WHERE of a filtered window of a file keyed by `keys`, and its parameters. */
function source(keys: KeyLayout, sql: CompiledSql, fromMs: number, toMs: number): { from: string; params: unknown[] } {
  const window = keys.windowParams(fromMs, toMs);
  if (sql.fts) {
    return {
      from: `events_fts f CROSS JOIN events e ON e.rowid = f.rowid
             WHERE events_fts MATCH ? AND ${keys.window('f.rowid', keys.sqlMs('e'))} AND (${sql.where})`,
      params: [sql.fts, ...window, ...sql.params],
    };
  }
  return {
    from: `events e WHERE ${keys.window('e.rowid', keys.sqlMs('e'))} AND (${sql.where})`,
    params: [...window, ...sql.params],
  };
}

/** Histogram, top values, fields and hosts of the embedded store: GROUP BY over the narrowed rows. */
export class EmbeddedAggregations {
  private readonly words: PrefixWords;

  constructor(
    private readonly db: Database.Database,
    private readonly functions: QueryFunctions,
    private readonly searchTimeoutMs: number,
    /** The file's key layout (keyLayout). */
    private readonly keys: KeyLayout,
  ) {
    this.words = prefixWords(db);
  }

  histogram(request: HistogramRequest): HistogramBucket[] {
    const fromMs = clampMs(request.from.getTime());
    const toMs = clampMs(request.to.getTime());
    const step = request.intervalMs;
    if (!(step > 0)) throw new QueryError('QUERY_UNSUPPORTED', 'The interval must be positive.');
    const sql = compileSql(request.query, Date.now(), this.words, this.keys);
    // Grouped by the stored value, and each group's name looked up once (stored-names.ts); `add` sums groups that
    // name the same value (a code and an older row's text).
    const by = request.by ? valueSql(request.by, this.keys, true) : 'NULL';
    const rollupParams: unknown[] = [];
    const sources = sourcesCounted(this.db, fromMs);
    const byColumn = request.by ? rollupColumn(request.by, sources) : "''";
    const where = byColumn === undefined ? null : rollupWhere(request.query, rollupParams, sources);
    const parts = segments(fromMs, toMs, where === null ? [] : unitsFor(step));
    const sums = new Map<string, { b: number; k: string | null; n: number }>();
    const add = (b: number, k: string | null, n: number) => {
      const id = `${b}\u0000${k ?? ''}`;
      const entry = sums.get(id);
      if (entry) entry.n += n;
      else sums.set(id, { b, k, n });
    };
    this.functions.withDeadline(this.searchTimeoutMs, () => {
      for (const part of parts) {
        if (part.unit !== null) {
          // Summed per slot by SQLite: a week of 15-minute slots over 30 hosts is some 240,000 rollup rows (one per
          // host, service and level), and GROUP BY in C returns them 5-7x faster than summing every row here.
          const size = part.unit * MINUTE_MS;
          const rows = this.db
            .prepare(
              `SELECT slot, ${byColumn!} AS k, sum(n) FROM event_counts
               WHERE unit = ? AND slot BETWEEN ? AND ? AND (${where!}) GROUP BY slot, k`,
            )
            .raw()
            .iterate(part.unit, part.first, part.last, ...rollupParams) as Iterable<[number, string, number]>;
          for (const [slot, key, n] of rows) {
            const t = slot * size;
            add(t - mod(t, step), key === '' ? null : key, n);
          }
          continue;
        }
        const { from, params } = source(this.keys, sql, part.first, part.last);
        const ms = this.keys.sqlMs('e');
        // Buckets start at multiples of the interval since the epoch, as Elasticsearch's fixed_interval does.
        const rows = this.db
          .prepare(
            `SELECT b, ${nameOf('k')} AS k, n FROM (
               SELECT (${ms} - (${ms} % ?)) AS b, ${by} AS k, count(*) AS n FROM ${from} GROUP BY b, k)`,
          )
          .all(step, ...params) as { b: number; k: string | null; n: number }[];
        for (const row of rows) add(row.b, row.k, row.n);
      }
    });
    const counts = new Map<number, { count: number; by: Map<string, number> }>();
    for (const t of bucketStarts(fromMs, toMs, step)) counts.set(t, { count: 0, by: new Map() });
    for (const row of sums.values()) {
      const bucket = counts.get(row.b);
      if (!bucket) continue;
      bucket.count += row.n;
      const key = row.k ?? NONE_KEY;
      bucket.by.set(key, (bucket.by.get(key) ?? 0) + row.n);
    }
    return [...counts].map(([t, bucket]) => {
      const out: HistogramBucket = { key: new Date(t).toISOString(), count: bucket.count };
      if (request.by) out.by = stacks(bucket.by, bucket.count);
      return out;
    });
  }

  topValues(request: TopValuesRequest): TopValues {
    const fromMs = clampMs(request.from.getTime());
    const toMs = clampMs(request.to.getTime());
    const field = topValuesField(request.field).name;
    const sql = compileSql(request.query, Date.now(), this.words, this.keys);
    const value = valueSql(field, this.keys, true);
    const rollupParams: unknown[] = [];
    const sources = sourcesCounted(this.db, fromMs);
    const column = rollupColumn(field, sources);
    const where = column ? rollupWhere(request.query, rollupParams, sources) : null;
    const counts = new Map<string | number, number>();
    this.functions.withDeadline(this.searchTimeoutMs, () => {
      for (const part of segments(fromMs, toMs, where === null ? [] : ROLLUP_UNITS)) {
        const rows =
          part.unit !== null
            ? (this.db
                .prepare(
                  `SELECT ${column!} AS v, sum(n) AS n FROM event_counts
                   WHERE unit = ? AND slot BETWEEN ? AND ? AND ${column!} <> '' AND (${where!}) GROUP BY v`,
                )
                .all(part.unit, part.first, part.last, ...rollupParams) as { v: string; n: number }[])
            : (() => {
                const { from, params } = source(this.keys, sql, part.first, part.last);
                return this.db
                  .prepare(
                    `SELECT ${nameOf('v')} AS v, n FROM (
                       SELECT ${value} AS v, count(*) AS n FROM ${from} AND ${value} IS NOT NULL GROUP BY v)`,
                  )
                  .all(...params) as { v: string | number; n: number }[];
              })();
        for (const r of rows) counts.set(r.v, (counts.get(r.v) ?? 0) + r.n);
      }
    });
    const rows = [...counts].map(([v, n]) => ({ v, n }));
    rows.sort((a, b) => b.n - a.n || (a.v < b.v ? -1 : a.v > b.v ? 1 : 0));
    const top = rows.slice(0, request.size);
    const listed = top.reduce((sum, r) => sum + r.n, 0);
    const all = rows.reduce((sum, r) => sum + r.n, 0);
    return { values: top.map((r) => ({ value: r.v, count: r.n })), other: all - listed, exact: true };
  }

  /** The catalogue's fields, plus the labels and other fields found on the newest matching events. */
  fields(filter: EventFilter): FieldInfo[] {
    const types = new Map<string, string>(KNOWN_FIELDS.map((f) => [f.name, f.type]));
    const sql = compileSql(filter.query, Date.now(), this.words, this.keys);
    const { from, params } = source(this.keys, sql, clampMs(filter.from.getTime()), clampMs(filter.to.getTime()));
    const docs = this.functions.withDeadline(
      this.searchTimeoutMs,
      () =>
        this.db
          .prepare(`SELECT e.doc FROM ${from} ORDER BY ${sql.fts ? 'f' : 'e'}.rowid DESC LIMIT ${FIELD_SAMPLE}`)
          .pluck()
          .all(...params) as string[],
    );
    for (const text of docs) {
      const doc = JSON.parse(text) as Record<string, unknown>;
      for (const label of Object.keys((doc.labels as Record<string, unknown> | undefined) ?? {})) {
        types.set(`${LABELS_PREFIX}${label}`, 'keyword');
      }
      for (const [key, value] of Object.entries(doc)) {
        if (!key.includes('.') || types.has(key)) continue;
        types.set(key, typeof value === 'number' ? (Number.isInteger(value) ? 'long' : 'double') : 'keyword');
      }
    }
    return [...types].map(([name, type]) => ({ name, type })).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Every host's latest clock estimate. */
  hostClocks(): Map<string, HostClock> {
    const rows = this.db.prepare(`SELECT host, clock FROM host_clocks`).all() as { host: string; clock: string }[];
    return new Map(rows.map((r) => [r.host, JSON.parse(r.clock) as HostClock]));
  }

  hosts(now: Date): HostActivity[] {
    const nowMs = now.getTime();
    const recent = this.db.prepare(
      `SELECT count(*) FROM events e WHERE ${codeEqualsSql('host')} AND ${this.keys.window('e.rowid', this.keys.sqlMs('e'))}`,
    );
    const byHost = new Map<string, HostActivity>();
    for (const row of this.db.prepare(`SELECT host, last_ingested FROM host_activity`).all() as {
      host: string;
      last_ingested: number;
    }[]) {
      byHost.set(row.host, {
        host: row.host,
        lastEventAt: new Date(row.last_ingested).toISOString(),
        events5m: recent
          .pluck()
          .get(...codeEqualsParams('host', row.host), ...this.keys.windowParams(nowMs - 5 * 60_000, nowMs)) as number,
        lastHeartbeatAt: null,
        heartbeat: null,
        clock: null,
      });
    }
    for (const row of this.db.prepare(`SELECT host, received_at, heartbeat FROM heartbeats`).all() as {
      host: string;
      received_at: string;
      heartbeat: string;
    }[]) {
      const entry = byHost.get(row.host) ?? {
        host: row.host,
        lastEventAt: null,
        events5m: 0,
        lastHeartbeatAt: null,
        heartbeat: null,
        clock: null,
      };
      entry.lastHeartbeatAt = row.received_at;
      entry.heartbeat = JSON.parse(row.heartbeat) as Heartbeat;
      byHost.set(row.host, entry);
    }
    for (const [host, clock] of this.hostClocks()) {
      const entry = byHost.get(host);
      if (entry) entry.clock = clock;
    }
    return [...byHost.values()].sort((a, b) => a.host.localeCompare(b.host));
  }
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}
