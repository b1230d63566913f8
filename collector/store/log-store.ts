import type { Hit } from '../../protocol/event.js';
import type { QueryNode } from '../query/ast.js';
import type { StoredEvent } from './ecs-document.js';

/** The position of a hit in a search order; cursors carry it. */
export type SortKey = readonly (string | number | null)[];

/** What became of a write: items are counted, and permanent failures name the input position. */
export interface WriteOutcome {
  accepted: number;
  duplicates: number;
  /** Events the store refused for good (e.g. a mapping conflict): they go to the dead-letter store. */
  failures: { index: number; code: string; reason: string }[];
}

/** A rejected event kept with its reason, never dropped. */
export interface DeadLetter {
  receivedAt: string;
  code: string;
  reason: string;
  /** The original line as received; bytes that are not UTF-8 are kept in base64 instead. */
  original: string | Buffer;
  /** Which token sent it, to trace a misbehaving sender. */
  tokenName?: string;
}

export interface SearchRequest {
  query: QueryNode;
  from: Date;
  to: Date;
  limit: number;
  order: 'asc' | 'desc';
  after?: SortKey;
}

export interface SearchPage {
  hits: Hit[];
  /** The sort key of the last hit when more may follow. */
  lastKey: SortKey | null;
  total: { value: number; relation: 'eq' | 'gte' };
  tookMs: number;
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
  /** Keeps rejected events with their reason. */
  writeDeadLetters(items: readonly DeadLetter[]): Promise<void>;
  search(request: SearchRequest): Promise<SearchPage>;
  /** Whether the store answers now (`/readyz`). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}
