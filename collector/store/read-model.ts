import type { Hit } from '../../protocol/event.js';
import type { Heartbeat, HostClock } from '../../protocol/heartbeat.js';
import type { FieldsResult, HistogramResult, TopValuesResult } from '../../protocol/search.js';
import type { QueryNode } from '../query/ast.js';

/** Store-neutral requests and answers of the read side (see docs/api.md); every store implements them. */

/** Which events: the parsed query (filters already ANDed in) within a time window. */
export interface EventFilter {
  query: QueryNode;
  from: Date;
  to: Date;
  /** Aborted when the asker went away (routes/client-gone.ts): a store may stop the read then. */
  signal?: AbortSignal;
}

/** Fields a histogram can stack by. */
export type StackField = 'host.name' | 'log.level' | 'service.name';

export interface HistogramRequest extends EventFilter {
  intervalMs: number;
  by?: StackField;
}

/** One time bucket; `by` holds the stacked counts when asked for. Empty buckets are included. */
export type HistogramBucket = HistogramResult['buckets'][number];

export type FieldInfo = FieldsResult['fields'][number];

export interface TopValuesRequest extends EventFilter {
  field: string;
  size: number;
}

/** The answer of `/fields/{name}/top` but its field name. */
export type TopValues = Omit<TopValuesResult, 'field'>;

export interface ContextRequest {
  id: string;
  before: number;
  after: number;
  /** Only events within this many ms of the anchor's time; no bound when absent. */
  windowMs?: number;
  /** Only these hosts; every host when empty. */
  hosts: readonly string[];
  /** As EventFilter's. */
  signal?: AbortSignal;
}

export type { ContextResult } from '../../protocol/context.js';

/** What the store knows about a host's activity. */
export interface HostActivity {
  host: string;
  /** When the collector last stored an event of this host (`event.ingested`), if ever. */
  lastEventAt: string | null;
  /** Events of the last 5 minutes (by event time). */
  events5m: number;
  /** When the last heartbeat arrived, if any. */
  lastHeartbeatAt: string | null;
  heartbeat: Heartbeat | null;
  /** The latest clock estimate of the host, if one was ever measured. */
  clock: HostClock | null;
}

/** A position in ingest order: events stored after it are "new" for a live tail. */
export interface TailPosition {
  ingestedMs: number;
  id: string;
}

export interface TailRequest {
  query: QueryNode;
  /** Events ingested at or after this time (ms since epoch), oldest first. */
  sinceMs: number;
  /** Only events after this position (ingest time, then id): pages through many events of one millisecond. */
  after?: TailPosition;
  limit: number;
}

/** Counts matching events ingested within [sinceMs, untilMs]: a cheap check for events that showed up late. */
export interface TailCountRequest {
  query: QueryNode;
  sinceMs: number;
  untilMs: number;
}

export interface TailEvent {
  hit: Hit;
  position: TailPosition;
}
