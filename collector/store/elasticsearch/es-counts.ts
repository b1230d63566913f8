import { createHash } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { MINUTE_MS } from '../count-slots.js';
import { guardEs } from './es-errors.js';
import { searchEvents, type EsReadContext } from './es-read.js';
import { countsIndex, countsPattern, dailyIndexDay } from './index-templates.js';

/**
 * Event counts per hour and per quarter hour by host, service and level, kept beside each day of events in
 * `<prefix>-counts-YYYY.MM.DD` (docs/elasticsearch.md), so a histogram over a week reads a few thousand counts
 * instead of millions of events (es-counts-histogram.ts).
 *
 * The counts are built from the stored events, never from the write path: an hour's cells are counted in one point in
 * time together with the hour's number of events T, written, and then the hour's seal (T) is written last. A read
 * trusts an hour's cells only while the hour still holds exactly T events. That is exact because an hour's events only
 * ever grow: they are created with their ids (a resent event is refused as a conflict and adds nothing) and no single
 * event is ever deleted (retention drops whole days, counts first). So an hour with the same number of events holds
 * the same events its cells were counted from. Nothing can be counted twice: a rebuild overwrites the same cells (ids
 * from the hour, the slot and the key) with version T (`external_gte`), so an older count never overwrites a newer
 * one; a crash between writing events and counting them, a resent batch or a late event only make T differ from the
 * hour's count, which sends the read to the events until the next build.
 */

export const HOUR_MS = 3_600_000;

/** Cell sizes in minutes, coarsest first (each a multiple of the next, as count-slots.ts segments() needs). */
export const COUNT_UNITS: readonly number[] = [60, 15];

/** An hour is counted once it ended this long ago: before that, its events are still arriving. */
export const QUIET_MS = 2 * MINUTE_MS;

/** How often the collector looks for hours to count (the first look is at start). */
export const COUNTS_INTERVAL_MS = 60_000;

const DAY_MS = 86_400_000;
const PAGE = 2000;

/** A cell: events of one slot (`unit` minutes from `t`) with one host, service and level; `of` is the hour's T. */
export interface CountCell {
  kind: 'cell';
  unit: number;
  t: number;
  count: number;
  of: number;
  host?: { name: string };
  service?: { name: string };
  log?: { level: string };
}

/** An hour's seal: its cells were counted from `count` events. */
export interface CountSeal {
  kind: 'seal';
  t: number;
  count: number;
  of: number;
}

type Key = { t: number; h: string | null; s: string | null; l: string | null };

export class EsCounts {
  /** Days whose seals exceeded their events at the last look: deleted if they still do at the next. */
  private shrunk = new Set<string>();
  private running: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private readonly client: Client;
  private readonly prefix: string;
  private readonly logger: Logger;

  constructor(private readonly ctx: EsReadContext) {
    this.client = ctx.client;
    this.prefix = ctx.indexPrefix;
    this.logger = ctx.logger;
  }

  /** Counts now and then every COUNTS_INTERVAL_MS; a failed round is logged and tried again at the next. */
  start(): void {
    const round = () =>
      void this.catchUp(new Date()).catch((err: unknown) =>
        this.logger.warn({ err }, 'Counting events per hour failed; histograms read the events until it works.'),
      );
    round();
    this.timer = setInterval(round, COUNTS_INTERVAL_MS);
    // The schedule alone must not keep a process alive.
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** Resolves once no round is under way (a store closing waits for it rather than cut its requests off). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  /** Counts every quiet hour whose events changed since it was counted; resolves with how many hours were counted. */
  catchUp(now: Date): Promise<number> {
    this.running ??= this.round(now.getTime()).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async round(nowMs: number): Promise<number> {
    const rows = (await guardEs(this.logger, () =>
      this.client.cat.indices({ index: `${this.prefix}-*`, format: 'json', h: 'index,docs.count' }),
    )) as { index?: string; 'docs.count'?: string }[];
    const sealed = await this.sealedPerDay();
    let counted = 0;
    for (const row of rows) {
      if (this.stopped) break;
      const day = row.index ? dailyIndexDay(this.prefix, row.index) : null;
      if (day?.kind !== 'events') continue;
      // A trigger only: the hours' counts below are read from what searches see.
      if (Number(row['docs.count']) === (sealed.get(countsIndex(this.prefix, day.dayMs)) ?? 0)) continue;
      counted += await this.countDay(row.index!, day.dayMs, nowMs);
    }
    return counted;
  }

  /** The sum of the seals of every day's counts index. */
  private async sealedPerDay(): Promise<Map<string, number>> {
    const response = await guardEs(this.logger, () =>
      this.client.search<unknown, { days: { buckets: { key: string; sum: { value: number } }[] } }>({
        index: countsPattern(this.prefix),
        ignore_unavailable: true,
        allow_no_indices: true,
        size: 0,
        query: { term: { kind: 'seal' } },
        aggs: { days: { terms: { field: '_index', size: 10_000 }, aggs: { sum: { sum: { field: 'count' } } } } },
      }),
    );
    return new Map((response.aggregations?.days.buckets ?? []).map((b) => [b.key, b.sum.value]));
  }

  /** Counts the quiet hours of one day whose number of events differs from their seal. */
  private async countDay(index: string, day: number, nowMs: number): Promise<number> {
    const counts = countsIndex(this.prefix, day);
    const [hours, seals] = await Promise.all([
      this.hourCounts(index),
      sealsOf(this.ctx, counts, day, day + DAY_MS - 1),
    ]);
    let counted = 0;
    let shrunk = false;
    for (const hour of new Set([...hours.keys(), ...seals.keys()])) {
      const events = hours.get(hour) ?? 0;
      const seal = seals.get(hour) ?? 0;
      if (seal > events) shrunk = true;
      if (seal >= events || hour + HOUR_MS + QUIET_MS > nowMs || this.stopped) continue;
      if (await this.countHour(index, counts, hour)) counted++;
    }
    if (shrunk) {
      // Events never leave an hour, so its index was deleted and made anew (by hand, or restored): these counts
      // belong to other events. Seen twice, a look apart, so a lagging copy of a shard cannot cause it.
      if (this.shrunk.has(counts)) {
        this.logger.warn(
          { index: counts },
          'A day holds fewer events than it was counted from; its counts are rebuilt.',
        );
        await guardEs(this.logger, () => this.client.indices.delete({ index: counts, ignore_unavailable: true }));
        this.shrunk.delete(counts);
      } else this.shrunk.add(counts);
    } else this.shrunk.delete(counts);
    return counted;
  }

  /** Events per hour of a day index, as searches see them. */
  private async hourCounts(index: string): Promise<Map<number, number>> {
    const response = await guardEs(this.logger, () =>
      this.client.search<unknown, { h: { buckets: { key: number; doc_count: number }[] } }>({
        index,
        ignore_unavailable: true,
        size: 0,
        track_total_hits: false,
        aggs: { h: { date_histogram: { field: '@timestamp', fixed_interval: '1h', min_doc_count: 1 } } },
      }),
    );
    return new Map((response.aggregations?.h.buckets ?? []).map((b) => [b.key, b.doc_count]));
  }

  /**
   * Counts one hour in one point in time: its events T and its cells, then writes the cells and, once all of them are
   * in, the seal. False when a newer count of the hour got there first.
   */
  async countHour(index: string, counts: string, hour: number): Promise<boolean> {
    const pit = await guardEs(this.logger, () =>
      this.client.openPointInTime({ index, keep_alive: '1m', allow_partial_search_results: false }),
    );
    const range = { range: { '@timestamp': { gte: hour, lte: hour + HOUR_MS - 1, format: 'epoch_millis' } } };
    let total: number;
    const cells = new Map<string, CountCell>();
    try {
      const first = await this.client.search({
        pit: { id: pit.id, keep_alive: '1m' },
        size: 0,
        track_total_hits: true,
        query: range,
      });
      total = typeof first.hits.total === 'number' ? first.hits.total : (first.hits.total?.value ?? 0);
      let after: Record<string, string | number | null> | undefined;
      do {
        const page = await this.client.search<
          unknown,
          { c: { buckets: { key: Key; doc_count: number }[]; after_key?: Record<string, string | number | null> } }
        >({
          pit: { id: pit.id, keep_alive: '1m' },
          size: 0,
          track_total_hits: false,
          query: range,
          aggs: {
            c: {
              composite: {
                size: PAGE,
                sources: [
                  { t: { date_histogram: { field: '@timestamp', fixed_interval: `${COUNT_UNITS.at(-1)}m` } } },
                  { h: { terms: { field: 'host.name', missing_bucket: true } } },
                  { s: { terms: { field: 'service.name', missing_bucket: true } } },
                  { l: { terms: { field: 'log.level', missing_bucket: true } } },
                ],
                ...(after ? { after } : {}),
              },
            },
          },
        });
        const agg = page.aggregations?.c;
        for (const b of agg?.buckets ?? []) {
          for (const unit of COUNT_UNITS) {
            const t = b.key.t - (b.key.t % (unit * MINUTE_MS));
            const id = cellId(unit, { ...b.key, t });
            const cell = cells.get(id);
            if (cell) cell.count += b.doc_count;
            else cells.set(id, newCell(unit, t, b.key, b.doc_count));
          }
        }
        after = agg && agg.buckets.length === PAGE ? agg.after_key : undefined;
      } while (after);
    } finally {
      await this.client.closePointInTime({ id: pit.id }).catch(() => undefined);
    }
    const operations: object[] = [];
    for (const [id, cell] of cells) {
      cell.of = total;
      operations.push({ index: { _index: counts, _id: id, version: total, version_type: 'external_gte' } }, cell);
    }
    if (!(await this.bulk(operations))) return false;
    const seal: CountSeal = { kind: 'seal', t: hour, count: total, of: total };
    return this.bulk([
      { index: { _index: counts, _id: `seal:${hour}`, version: total, version_type: 'external_gte' } },
      seal,
    ]);
  }

  /** Writes; false when a newer count refused an item (version conflict), throws on any other refusal. */
  private async bulk(operations: object[]): Promise<boolean> {
    if (operations.length === 0) return true;
    const response = await guardEs(this.logger, () =>
      this.client.bulk({ operations, filter_path: 'errors,items.*.status,items.*.error.reason' }),
    );
    if (!response.errors) return true;
    let conflict = false;
    for (const item of response.items) {
      const result = item.index;
      if (!result || result.status < 300) continue;
      if (result.status === 409) conflict = true;
      else
        throw new Error(`Elasticsearch refused an event count: ${result.error?.reason ?? `status ${result.status}`}.`);
    }
    return !conflict;
  }
}

/** The seals of the hours from `fromMs` to `toMs` in the given counts indices: hour start → events counted. */
export async function sealsOf(
  ctx: EsReadContext,
  index: string,
  fromMs: number,
  toMs: number,
  signal?: AbortSignal,
): Promise<Map<number, number>> {
  // An aggregation rather than the documents: no fetch round, and a day no count changed answers from its cache.
  const response = await searchEvents(
    ctx,
    {
      size: 0,
      track_total_hits: false,
      query: { bool: { filter: [{ term: { kind: 'seal' } }, { range: { t: { gte: fromMs, lte: toMs } } }] } },
      aggs: {
        h: {
          date_histogram: { field: 't', fixed_interval: '1h', min_doc_count: 1 },
          aggs: { n: { max: { field: 'count' } } },
        },
      },
    },
    { index, signal },
  );
  const agg = response.aggregations?.h as { buckets: { key: number; n: { value: number } }[] } | undefined;
  return new Map((agg?.buckets ?? []).map((b) => [b.key, b.n.value]));
}

function newCell(unit: number, t: number, key: Key, count: number): CountCell {
  return {
    kind: 'cell',
    unit,
    t,
    count,
    of: 0,
    ...(key.h !== null ? { host: { name: key.h } } : {}),
    ...(key.s !== null ? { service: { name: key.s } } : {}),
    ...(key.l !== null ? { log: { level: key.l } } : {}),
  };
}

/** A cell's id: the same cell of a later count overwrites it. Hashed: host names may be long. */
function cellId(unit: number, key: Key): string {
  return createHash('sha256')
    .update(JSON.stringify([unit, key.t, key.h, key.s, key.l]))
    .digest('base64url');
}
