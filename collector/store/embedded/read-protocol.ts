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
 * word's whole read at 1M is 0.3 ms); the same values as nine arrays cost about a third of that. Host, service, level
 * and source repeat from hit to hit, and structured clone copies a string as often as it is sent, however often it
 * is the same one: each value goes once, in `names`, and a hit has its index there.
 */
export interface PackedPage extends Omit<SearchPage, 'hits'> {
  hits: {
    id: string[];
    timestamp: string[];
    /** Host, service, level and source of each hit, four to a hit, as their index in `names`; NONE for null. */
    named: Int32Array;
    names: string[];
    offset: (number | null)[];
    message: string[];
    /** Null for a hit without fields (a plain line's), which is most of them. */
    fields: (Hit['fields'] | null)[];
  };
}

/** A hit's index in `named` for a value it does not have. */
const NONE = -1;
/** The fields of a hit `named` holds, in this order. */
const NAMED = 4;

/** The page a read thread sends for a search. */
export function packPage(page: SearchPage): PackedPage {
  const { hits, ...rest } = page;
  const n = hits.length;
  const names: string[] = [];
  const index = new Map<string, number>();
  const code = (value: string | null): number => {
    if (value === null) return NONE;
    let at = index.get(value);
    if (at === undefined) {
      at = names.length;
      names.push(value);
      index.set(value, at);
    }
    return at;
  };
  const packed: PackedPage['hits'] = {
    id: new Array<string>(n),
    timestamp: new Array<string>(n),
    named: new Int32Array(n * NAMED),
    names,
    offset: new Array<number | null>(n),
    message: new Array<string>(n),
    fields: new Array<Hit['fields'] | null>(n),
  };
  for (let i = 0; i < n; i++) {
    const hit = hits[i]!;
    packed.id[i] = hit.id;
    packed.timestamp[i] = hit.timestamp;
    packed.named[i * NAMED] = code(hit.host);
    packed.named[i * NAMED + 1] = code(hit.service);
    packed.named[i * NAMED + 2] = code(hit.level);
    packed.named[i * NAMED + 3] = code(hit.source);
    packed.offset[i] = hit.offset;
    packed.message[i] = hit.message;
    packed.fields[i] = isEmpty(hit.fields) ? null : hit.fields;
  }
  return { hits: packed, ...rest };
}

/** The search page a read thread sent (packPage in reverse). */
export function unpackPage(packed: PackedPage): SearchPage {
  const { hits: h, ...rest } = packed;
  const { named, names } = h;
  const name = (at: number): string | null => (at === NONE ? null : names[at]!);
  const hits = new Array<Hit>(h.id.length);
  for (let i = 0; i < hits.length; i++) {
    hits[i] = {
      id: h.id[i]!,
      timestamp: h.timestamp[i]!,
      host: name(named[i * NAMED]!),
      service: name(named[i * NAMED + 1]!),
      level: name(named[i * NAMED + 2]!) as Level | null,
      source: name(named[i * NAMED + 3]!),
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
