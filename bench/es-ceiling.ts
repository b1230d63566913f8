/**
 * The ceiling of the ingest benchmarks (issue 5): the documents logship would store, normalised by the collector's
 * own code and bulk-loaded straight into Elasticsearch through logship's template with the settings measured best
 * (explicit ids, `create`, 5,000 per request, 4 in flight), timed until searchable. Shared by
 * bench/ingest-throughput.ts and bench/end-to-end-vs-peers.ts so both compare against the same thing.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import pino from 'pino';
import { normalizeEvent } from '../collector/ingest/normalize-event.js';
import type { StoredEvent } from '../collector/store/ecs-document.js';
import { EsStore } from '../collector/store/elasticsearch/es-store.js';
import { BulkEncoder } from '../collector/store/elasticsearch/bulk-encoder.js';

const BATCH = 5000;
const IN_FLIGHT = 4;

export interface SearchableOptions {
  /** How often to count; default 200 ms. */
  pollMs?: number;
  /** Called before every poll; throws to give up (a process under test exited, a deadline passed). */
  check?: () => void;
}

/**
 * Refreshes and counts `pattern` until it holds `expected` documents; the seconds since `started` (epoch ms).
 * More than expected is an error: it means duplicates, and a rate computed from it would flatter the sender.
 */
export async function untilSearchable(
  es: Client,
  pattern: string,
  expected: number,
  started: number,
  opts: SearchableOptions = {},
): Promise<number> {
  for (;;) {
    opts.check?.();
    const count = await countNow(es, pattern);
    if (count >= expected) {
      if (count !== expected) throw new Error(`${pattern} holds ${count} documents, expected ${expected}`);
      return (Date.now() - started) / 1000;
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
  }
}

/**
 * `_count` of what is searchable now: no forced refresh, so every sender is measured with the index's own refresh
 * (logship's template: 1 s) as a user's search would see it. Forcing one per poll made a segment every 250 ms, and
 * the merges that followed cost Elasticsearch more CPU than indexing did in the runs that polled while loading.
 * 0 while an index the sender just created has no started shard yet: counting in that moment answers
 * `no_shard_available_action_exception` (503), which on a busy machine ended a run that was going fine.
 */
async function countNow(es: Client, pattern: string): Promise<number> {
  try {
    return (await es.count({ index: pattern, ignore_unavailable: true, allow_no_indices: true })).count;
  } catch (err) {
    const text = String((err as { message?: unknown }).message);
    if ((err as { meta?: { statusCode?: number } }).meta?.statusCode === 503 || text.includes('no_shard_available'))
      return 0;
    throw err;
  }
}

export interface CeilingLoad {
  esUrl: string;
  es: Client;
  /** Daily indices `<indexPrefix>-YYYY.MM.DD` and the template `<indexPrefix>-events`; the caller deletes both. */
  indexPrefix: string;
  lines: number;
  /** The ingest event of line `i` as a shipper sends it (see docs/events.md), with an `id`. */
  event: (i: number) => Record<string, unknown>;
  pollMs?: number;
  /**
   * Stamps each request's documents with the time it is encoded (`event.ingested`), as the collector does, instead of
   * one time for the whole load: a diagnostic of what varying times cost Elasticsearch (LOGSHIP_BENCH_CEILING_TIMES).
   */
  stampEachBatch?: boolean;
}

/** Puts logship's index template in for `<indexPrefix>-*`, through the store that writes it for the collector. */
export async function installTemplate(esUrl: string, indexPrefix: string): Promise<void> {
  const store = new EsStore(
    {
      nodes: [esUrl],
      indexPrefix,
      templates: { replicas: 0, codec: 'default' },
      bulkMaxEvents: BATCH,
      bulkConcurrency: IN_FLIGHT,
      bulkMaxQueued: 64,
      requestTimeoutMs: 120_000,
      searchTimeoutMs: 10_000,
      exactTotalUpTo: 1000,
    },
    pino({ level: 'warn' }),
  );
  await store.init();
  await store.close();
}

/** Loads `lines` events straight into Elasticsearch and returns the documents per second until searchable. */
export async function bulkLoadCeiling(load: CeilingLoad): Promise<{ seconds: number; docsPerSecond: number }> {
  const { es, indexPrefix, lines } = load;
  // logship's index template first, so the ceiling's documents are mapped exactly like logship's.
  await installTemplate(load.esUrl, indexPrefix);
  const now = new Date().toISOString();
  let ctx = { now, nowMs: Date.parse(now), maxMessageBytes: 1 << 20 };
  // One encoder for every lane, as the collector has one per store (encoding is synchronous).
  const encoder = new BulkEncoder(indexPrefix);
  const started = Date.now();
  let next = 0;
  const lane = async () => {
    while (next < lines) {
      const start = next;
      next = Math.min(lines, next + BATCH);
      const events: StoredEvent[] = [];
      if (load.stampEachBatch) {
        const batchNow = new Date().toISOString();
        ctx = { ...ctx, now: batchNow, nowMs: Date.parse(batchNow) };
      }
      for (let i = start; i < next; i++) {
        const event = normalizeEvent({ line: i, text: '', value: load.event(i) }, ctx);
        if (!('doc' in event)) throw new Error(`bench line ${i} was refused: ${event.reason}`);
        events.push(event);
      }
      // The collector's own request body, so the ceiling pays no more to encode it than logship does.
      const res = await es.transport.request<estypes.BulkResponse>({
        method: 'POST',
        path: '/_bulk',
        querystring: { filter_path: 'errors' },
        bulkBody: encoder.encode(events).body,
      });
      if (res.errors) throw new Error('the ceiling bulk load had item errors');
    }
  };
  // Polled while loading, exactly as the senders measured against it are.
  let failure: unknown;
  const loading = Promise.all(Array.from({ length: IN_FLIGHT }, lane)).catch((err: unknown) => {
    failure = err ?? new Error('the ceiling load failed');
  });
  const seconds = await untilSearchable(es, `${indexPrefix}-2*`, lines, started, {
    pollMs: load.pollMs,
    check: () => {
      if (failure) throw failure;
    },
  });
  await loading;
  return { seconds, docsPerSecond: lines / seconds };
}
