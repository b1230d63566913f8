import type { Client, estypes } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import type { DeadLetterEntry, DeadLetterPage } from '../../../protocol/dead-letter.js';
import type { DeadLetterQuery, RetentionOutcome, RetentionPolicy } from '../log-store.js';
import { guardEs } from './es-errors.js';
import { guardRead } from './es-read.js';
import { dailyIndexDay, deadLetterPattern } from './index-templates.js';
import { DEAD_LETTER_PAGE_BYTES, decodeDeadLetterCursor, encodeDeadLetterCursor } from '../dead-letter-cursor.js';

const DAY_MS = 86_400_000;

interface DeadLetterSource {
  '@timestamp'?: string;
  error?: { code?: string; message?: string };
  token?: { name?: string };
  event?: { original?: string; original_base64?: string; original_bytes?: number; original_sha256?: string };
}

/** Dead-letter reads and retention for Elasticsearch: both work on whole daily indices by name. */
export class EsMaintenance {
  constructor(
    private readonly client: Client,
    private readonly indexPrefix: string,
    private readonly logger: Logger,
    private readonly searchTimeoutMs: number = 10_000,
  ) {}

  /** How many dead letters of each code were received in [from, to]. */
  async countDeadLetters(from: Date, to: Date): Promise<Record<string, number>> {
    const response = await guardRead(this.readContext(), (t) =>
      this.client.search<unknown, { codes: estypes.AggregationsStringTermsAggregate }>(
        {
          timeout: t.timeout,
          index: deadLetterPattern(this.indexPrefix),
          ignore_unavailable: true,
          allow_no_indices: true,
          size: 0,
          query: { range: { '@timestamp': { gte: from.toISOString(), lte: to.toISOString() } } },
          // Codes are a closed set (docs/error-codes.md): 100 buckets hold them all.
          aggs: { codes: { terms: { field: 'error.code', size: 100 } } },
        },
        { requestTimeout: t.requestTimeout },
      ),
    );
    const buckets = response.aggregations?.codes.buckets;
    const counts: Record<string, number> = {};
    for (const b of Array.isArray(buckets) ? buckets : []) counts[String(b.key)] = b.doc_count;
    return counts;
  }

  /** The search timeout on both sides, like every other read (es-read.ts). */
  private readContext() {
    return {
      client: this.client,
      indexPrefix: this.indexPrefix,
      searchTimeoutMs: this.searchTimeoutMs,
      logger: this.logger,
    };
  }

  /**
   * Dead letters in a time window, newest first, optionally of some codes only, in pages (search_after on the time
   * and `_seq_no`, unique within the one shard of a daily index). Originals longer than the limit, stored before
   * it existed, are cut here.
   */
  async listDeadLetters(query: DeadLetterQuery): Promise<DeadLetterPage> {
    const filter: estypes.QueryDslQueryContainer[] = [
      { range: { '@timestamp': { gte: query.from.toISOString(), lte: query.to.toISOString() } } },
    ];
    if (query.codes.length) filter.push({ terms: { 'error.code': query.codes } });
    const response = await guardRead(this.readContext(), (t) =>
      this.client.search<DeadLetterSource>(
        {
          timeout: t.timeout,
          index: deadLetterPattern(this.indexPrefix),
          ignore_unavailable: true,
          allow_no_indices: true,
          query: { bool: { filter } },
          sort: [{ '@timestamp': { order: 'desc' } }, { _seq_no: { order: 'desc' } }],
          ...(query.cursor ? { search_after: decodeDeadLetterCursor(query.cursor) } : {}),
          size: query.limit,
          track_total_hits: 10_000,
        },
        { requestTimeout: t.requestTimeout },
      ),
    );
    const max = query.maxOriginalBytes;
    let bytes = 0;
    let last: estypes.SortResults | undefined;
    let listed = 0;
    const total = response.hits.total;
    const entries: DeadLetterEntry[] = [];
    for (const hit of response.hits.hits) {
      if (max !== undefined && entries.length > 0 && bytes >= DEAD_LETTER_PAGE_BYTES) break;
      const src = hit._source ?? {};
      const entry: DeadLetterEntry = {
        id: hit._id ?? '',
        received_at: src['@timestamp'] ?? '',
        code: src.error?.code ?? '',
        reason: src.error?.message ?? '',
        token: src.token?.name ?? null,
      };
      const original = src.event?.original;
      const base64 = src.event?.original_base64;
      let kept = 0;
      let cut = false;
      if (original !== undefined) {
        cut = max !== undefined && original.length > max;
        entry.original = cut ? original.slice(0, max) : original;
        kept = Buffer.byteLength(entry.original);
      }
      if (base64 !== undefined) {
        const chars = max === undefined ? base64.length : Math.ceil(max / 3) * 4;
        cut = base64.length > chars;
        entry.original_base64 = cut ? base64.slice(0, chars) : base64;
        kept = Math.floor((entry.original_base64.length * 3) / 4);
      }
      const whole = src.event?.original_bytes;
      if (typeof whole === 'number') entry.original_bytes = whole;
      if (typeof src.event?.original_sha256 === 'string') entry.original_sha256 = src.event.original_sha256;
      if (cut || (typeof whole === 'number' && kept < whole)) entry.original_truncated = true;
      entries.push(entry);
      bytes += kept;
      last = hit.sort;
      listed++;
    }
    const more = listed < response.hits.hits.length || response.hits.hits.length === query.limit;
    return {
      next_cursor: more && last ? encodeDeadLetterCursor(last as (number | string)[]) : null,
      dead_letters: entries,
      total:
        typeof total === 'object'
          ? { value: total.value, relation: total.relation === 'eq' ? 'eq' : 'gte' }
          : { value: total ?? entries.length, relation: 'eq' },
    };
  }

  /**
   * Deletes the daily event, count and dead-letter indices whose whole day lies before the retention window. Only names
   * of the exact daily shape are touched, so the heartbeat index and other prefixes' indices never are. A day's counts
   * go before its events: counts left without their events could meet a day of events made anew under that name
   * (es-counts.ts).
   */
  async applyRetention(policy: RetentionPolicy, now: Date): Promise<RetentionOutcome> {
    const rows = await guardEs(this.logger, () =>
      this.client.cat.indices({ index: `${this.indexPrefix}-*`, format: 'json', h: 'index', expand_wildcards: 'all' }),
    );
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const eventCutoff = today - policy.retentionDays * DAY_MS;
    const deadCutoff = today - policy.deadLetterRetentionDays * DAY_MS;
    const expired: string[] = [];
    const counts: string[] = [];
    for (const row of rows as { index?: string }[]) {
      const day = row.index ? dailyIndexDay(this.indexPrefix, row.index) : null;
      if (!day || day.dayMs >= (day.kind === 'deadletter' ? deadCutoff : eventCutoff)) continue;
      (day.kind === 'counts' ? counts : expired).push(row.index!);
    }
    counts.sort();
    expired.sort();
    // A long list would exceed the URL limit in one DELETE; batches of 50 names stay well under it.
    for (const names of [counts, expired]) {
      for (let i = 0; i < names.length; i += 50) {
        const batch = names.slice(i, i + 50);
        await guardEs(this.logger, () => this.client.indices.delete({ index: batch, ignore_unavailable: true }));
      }
    }
    return { deleted: expired };
  }
}
