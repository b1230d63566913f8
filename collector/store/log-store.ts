import type { Registry } from 'prom-client';
import type { DeadLetterPage } from '../../protocol/dead-letter.js';
import type { Total } from '../../protocol/wire-values.js';
import type { Hit } from '../../protocol/event.js';
import type { QueryNode } from '../query/ast.js';
import type { Heartbeat, HostClock } from '../../protocol/heartbeat.js';
import type { AlertRecord, AlertRecordKind } from './alert-records.js';
import type { StoredEvent } from './ecs-document.js';
import type {
  ContextRequest,
  ContextResult,
  EventFilter,
  FieldInfo,
  HistogramBucket,
  HistogramRequest,
  HostActivity,
  TailCountRequest,
  TailEvent,
  TailRequest,
  TopValues,
  TopValuesRequest,
} from './read-model.js';

/** The position of a hit in a search order; cursors carry it. */
export type SortKey = readonly (string | number | null)[];

/** What became of a write: items are counted, and permanent failures name the input position. */
export interface WriteOutcome {
  accepted: number;
  duplicates: number;
  /** Input positions of the duplicates, when the store can tell them (the `_bulk` door answers per item). */
  duplicateIndexes?: number[];
  /** Events the store refused for good (e.g. a mapping conflict): they go to the dead-letter store. */
  failures: { index: number; code: string; reason: string }[];
}

/** A rejected event kept with its reason, never dropped. */
export interface DeadLetter {
  receivedAt: string;
  code: string;
  reason: string;
  /** The original line as received (or its first bytes, see originalBytes); bytes that are not UTF-8 are kept in base64. */
  original: string | Buffer;
  /** Bytes of the whole original as received: more than `original` holds when only a prefix was kept. */
  originalBytes?: number;
  /** SHA-256 (hex) of the whole original, so a kept prefix can still be matched with the sender's copy. */
  originalSha256?: string;
  /** Which token sent it, to trace a misbehaving sender. */
  tokenName?: string;
}

/** A window of dead letters to list (`GET /api/v1/deadletter`). */
export interface DeadLetterQuery {
  from: Date;
  to: Date;
  limit: number;
  /** Only these codes; empty = all. */
  codes: string[];
  /** Where the previous page ended (its `next_cursor`), for the next page. */
  cursor?: string;
  /**
   * Originals are listed up to this many bytes (longer ones stored before the limit existed are cut on reading), and
   * a page ends early once its originals reach 8 MiB. Absent: whole originals, whole pages (`logship migrate`).
   */
  maxOriginalBytes?: number;
}

/** How long whole days of events and of dead letters are kept. */
export interface RetentionPolicy {
  retentionDays: number;
  deadLetterRetentionDays: number;
}

/** What a retention run removed (index or partition names). */
export interface RetentionOutcome {
  deleted: string[];
}

export interface SearchRequest {
  query: QueryNode;
  from: Date;
  to: Date;
  limit: number;
  order: 'asc' | 'desc';
  after?: SortKey;
  /** An opaque consistent view from an earlier page (an Elasticsearch point in time); stores may ignore it. */
  snapshot?: string;
  /** As EventFilter's (read-model.ts). */
  signal?: AbortSignal;
  /** False: the caller does not need `total` (an export's later pages), so the store need not count. */
  countTotal?: boolean;
  /**
   * True: count the total exactly up to `search.exact_total_up_to` whatever the query (an alert's count, an export's
   * announced size). Otherwise a query the event counts cannot answer is counted exactly up to 10,000 (total-bound.ts).
   */
  exactTotal?: boolean;
  /**
   * Who reads (a token id). One reader's searches go to the same copy of each shard, so a count and the pages after
   * it agree while replicas refresh at different moments; stores with one copy ignore it.
   */
  reader?: string;
}

export interface SearchPage {
  hits: Hit[];
  /** The sort key of the last hit when more may follow. */
  lastKey: SortKey | null;
  total: Total;
  tookMs: number;
  /** The view the next page should read from, when the store keeps one. */
  snapshot?: string | null;
}

/** A write whose events are added one by one, then stored together (LogStore.write). */
export interface EventSink {
  add(event: StoredEvent): void;
  /** Stores what was added; failure indexes count the events in the order they were added. */
  finish(): Promise<WriteOutcome>;
}

/** A write of events one by one into `store`: its own when it has one, else the events collected for `write`. */
export function openWrite(store: LogStore): EventSink {
  if (store.openWrite) return store.openWrite();
  const events: StoredEvent[] = [];
  return { add: (event) => events.push(event), finish: () => store.write(events) };
}

/**
 * One interface over every storage engine (Elasticsearch, the embedded store): the rest of the collector never
 * knows which one runs.
 */
export interface LogStore {
  /** Creates templates/tables; idempotent. */
  init(): Promise<void>;
  /** Stores events durably; ids already stored count as duplicates. Throws StoreUnavailableError to be retried. */
  write(events: readonly StoredEvent[]): Promise<WriteOutcome>;
  /**
   * The same write, with the events handed over one by one as they are made, for a store that encodes them at once
   * (Elasticsearch): the caller then never holds a whole request's documents. `openWrite(store)` serves every store.
   */
  openWrite?(): EventSink;
  /** Keeps rejected events with their reason. */
  writeDeadLetters(items: readonly DeadLetter[]): Promise<void>;
  /** Dead letters in a window, newest first. */
  listDeadLetters(query: DeadLetterQuery): Promise<DeadLetterPage>;
  /** How many dead letters of each code were received in [from, to] (`logship status`). */
  countDeadLetters(from: Date, to: Date): Promise<Record<string, number>>;
  /** Deletes whole days of events and dead letters older than the policy keeps them. */
  applyRetention(policy: RetentionPolicy, now: Date): Promise<RetentionOutcome>;
  search(request: SearchRequest): Promise<SearchPage>;
  /** Counts per time bucket, empty buckets included, optionally stacked. */
  histogram(request: HistogramRequest): Promise<HistogramBucket[]>;
  /** Names and types of the fields of matching events. */
  fields(filter: EventFilter): Promise<FieldInfo[]>;
  /** The most frequent values of a field, with exact counts. */
  topValues(request: TopValuesRequest): Promise<TopValues>;
  /** Events around one event, from every (or the chosen) host; null when the id is unknown. */
  context(request: ContextRequest): Promise<ContextResult | null>;
  /** One event's stored document as it was written (read and ingest times included); null when the id is unknown. */
  event(id: string): Promise<StoredEvent | null>;
  /** Every host that ever shipped, with its latest activity. */
  hosts(now: Date): Promise<HostActivity[]>;
  /** The latest clock estimate of every host that has one (what aligning clocks shifts events by). */
  hostClocks(): Promise<Map<string, HostClock>>;
  /** Keeps the latest heartbeat of a shipper and, when there is one, its latest clock estimate (kept until replaced). */
  recordHeartbeat(heartbeat: Heartbeat, receivedAt: Date, clock: HostClock | null): Promise<void>;
  /** Events stored since a time, in ingest order: what a live tail delivers. */
  tail(request: TailRequest): Promise<TailEvent[]>;
  /**
   * How many matching events were ingested in a span, to notice events that became visible late. Optional: a store
   * whose writes become visible in ingest order (one writer) does not need it, and a tail without it re-reads the
   * overlap on every poll.
   */
  tailCount?(request: TailCountRequest): Promise<number>;
  /** Every alert record of a kind (alert-records.ts), ordered by id; what every earlier completed write left. */
  listAlertRecords(kind: AlertRecordKind): Promise<AlertRecord[]>;
  /** One alert record as last written, or null. */
  getAlertRecord(kind: AlertRecordKind, id: string): Promise<AlertRecord | null>;
  /**
   * Writes an alert record only if its version is still `expected` (null: only if there is none), durably; answers
   * the new version, or null when another write came first (nothing was written).
   */
  putAlertRecord(kind: AlertRecordKind, id: string, body: object, expected: string | null): Promise<string | null>;
  /** Deletes an alert record (only at version `expected` when given); false when it was not there or changed. */
  deleteAlertRecord(kind: AlertRecordKind, id: string, expected?: string): Promise<boolean>;
  /** Whether the store answers now (`/readyz`). */
  ready(): Promise<boolean>;
  /** Why ready() answered false, when the store can tell: a stable code and a sentence for `/readyz`. */
  readinessProblem?(): { code: string; message: string } | null;
  /** What works but needs attention (an Elasticsearch cluster that is yellow): `/readyz` stays 200 and lists them. */
  readinessWarnings?(): { code: string; message: string }[];
  /** Adds the store's own metrics (cluster health, requests per node) to the collector's `/metrics`. */
  registerMetrics?(registry: Registry): void;
  /**
   * Fails the reads under way at once, so a shutdown does not wait for a costly query. Optional: a store whose reads
   * never hold the collector's thread can let them run to their timeout.
   */
  interruptReads?(): void;
  close(): Promise<void>;
}
