import type { DeadLetterPage } from '../../../protocol/dead-letter.js';
import type { Hit, Level } from '../../../protocol/event.js';
import type { HostClock } from '../../../protocol/heartbeat.js';
import type { AlertRecord, AlertRecordKind } from '../alert-records.js';
import type { StoredEvent } from '../ecs-document.js';
import type { DeadLetterQuery, SearchPage, SearchRequest } from '../log-store.js';
import type * as Read from '../read-model.js';
import type { ExportPage, ExportRequest } from './embedded-store.js';

/** What the store asks of a read thread, with what each answers (every argument survives structured clone). */
export interface ReadOps {
  search: { args: SearchRequest; result: SearchPage };
  histogram: { args: Read.HistogramRequest; result: Read.HistogramBucket[] };
  fields: { args: Read.EventFilter; result: Read.FieldInfo[] };
  topValues: { args: Read.TopValuesRequest; result: Read.TopValues };
  context: { args: Read.ContextRequest; result: Read.ContextResult | null };
  event: { args: { id: string }; result: StoredEvent | null };
  hosts: { args: { now: Date }; result: Read.HostActivity[] };
  hostClocks: { args: Record<string, never>; result: Map<string, HostClock> };
  tail: { args: Read.TailRequest; result: Read.TailEvent[] };
  tailCount: { args: Read.TailCountRequest; result: number };
  deadLetters: { args: DeadLetterQuery; result: DeadLetterPage };
  deadLetterCounts: { args: { fromMs: number; toMs: number }; result: Record<string, number> };
  exportEvents: { args: ExportRequest; result: ExportPage };
  alertRecords: { args: { kind: AlertRecordKind }; result: AlertRecord[] };
}

export type ReadOp = keyof ReadOps;

/**
 * Reads that count or group a whole window (and an export's pages): at 10M events a facet of a regex query reads
 * every event of the week. The pool never gives them every thread (read-pool.ts), so a search, an event or a
 * context, which stop at a page, never wait behind them.
 */
export const WINDOW_SCANS: ReadonlySet<ReadOp> = new Set<ReadOp>(['histogram', 'fields', 'topValues', 'exportEvents']);

/** A request to a read thread. */
export type ReadRequest = { [K in ReadOp]: { id: number; op: K; args: ReadOps[K]['args'] } }[ReadOp];

/**
 * A failure as it crosses the thread: a coded error (a query error, a timeout) keeps its code, status and details;
 * a SQLite failure keeps SQLite's code, so the store can classify it (embedded-errors.ts).
 */
export interface ReadFailure {
  message: string;
  code?: string;
  /** Set for coded errors (CodedError), which are rebuilt as such. */
  status?: number;
  details?: Record<string, unknown>;
}

/** The read thread's answer to request `id`. */
export type ReadResponse = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ReadFailure };

/** What a read thread is started with. */
export interface ReadWorkerData {
  path: string;
  searchTimeoutMs: number;
  exactTotalUpTo: number;
  /** A SharedArrayBuffer of one Int32: set to 1 by the store to stop the running read. */
  cancel: SharedArrayBuffer;
}

/**
 * A search page as it crosses the thread: its hits as one array per field (packPage). Structured clone writes every
 * object's keys with its values, and 100 hits of nine fields each cost ~1.6 µs per hit to send and rebuild (a rare
 * word's whole read at 1M is 0.3 ms); the same values as nine arrays cost about a third of that.
 */
export interface PackedPage extends Omit<SearchPage, 'hits'> {
  hits: {
    id: string[];
    timestamp: string[];
    host: (string | null)[];
    service: (string | null)[];
    level: (Level | null)[];
    source: (string | null)[];
    offset: (number | null)[];
    message: string[];
    /** Null for a hit without fields (a plain line's), which is most of them. */
    fields: (Hit['fields'] | null)[];
  };
}

/** The page a read thread sends for a search. */
export function packPage(page: SearchPage): PackedPage {
  const { hits, ...rest } = page;
  const n = hits.length;
  const packed: PackedPage['hits'] = {
    id: new Array<string>(n),
    timestamp: new Array<string>(n),
    host: new Array<string | null>(n),
    service: new Array<string | null>(n),
    level: new Array<Level | null>(n),
    source: new Array<string | null>(n),
    offset: new Array<number | null>(n),
    message: new Array<string>(n),
    fields: new Array<Hit['fields'] | null>(n),
  };
  for (let i = 0; i < n; i++) {
    const hit = hits[i]!;
    packed.id[i] = hit.id;
    packed.timestamp[i] = hit.timestamp;
    packed.host[i] = hit.host;
    packed.service[i] = hit.service;
    packed.level[i] = hit.level;
    packed.source[i] = hit.source;
    packed.offset[i] = hit.offset;
    packed.message[i] = hit.message;
    packed.fields[i] = isEmpty(hit.fields) ? null : hit.fields;
  }
  return { hits: packed, ...rest };
}

/** The search page a read thread sent (packPage in reverse). */
export function unpackPage(packed: PackedPage): SearchPage {
  const { hits: h, ...rest } = packed;
  const hits = new Array<Hit>(h.id.length);
  for (let i = 0; i < hits.length; i++) {
    hits[i] = {
      id: h.id[i]!,
      timestamp: h.timestamp[i]!,
      host: h.host[i] ?? null,
      service: h.service[i] ?? null,
      level: h.level[i] ?? null,
      source: h.source[i] ?? null,
      offset: h.offset[i] ?? null,
      message: h.message[i]!,
      fields: h.fields[i] ?? {},
    };
  }
  return { hits, ...rest };
}

function isEmpty(value: object): boolean {
  for (const _ in value) return false;
  return true;
}
