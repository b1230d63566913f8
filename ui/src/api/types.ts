export type { EventDetail, Hit, Level } from '../../../protocol/event';
export type { SearchResult } from '../../../protocol/search';
export type { Pattern, PatternsResult } from '../../../protocol/patterns';
export type { AlignedContextResult, AlignedHit } from '../../../protocol/context';
export type { HostClock } from '../../../protocol/heartbeat';
import type { Hit } from '../../../protocol/event';
import type { HostClock } from '../../../protocol/heartbeat';

/** `GET /api/v1/histogram`. */
export interface HistogramResult {
  interval: string;
  buckets: { key: string; count: number; by: Record<string, number> }[];
}

/** `GET /api/v1/fields/{name}/top`. */
export interface TopValues {
  field: string;
  values: { value: string | number; count: number }[];
  other: number;
  exact: boolean;
}

/** `GET /api/v1/fields`. */
export interface FieldsResult {
  fields: { name: string; type: string }[];
}

/** `GET /api/v1/events/{id}/context`. */
export interface ContextResult {
  anchor: Hit;
  before: Hit[];
  after: Hit[];
}

/** `GET /api/v1/hosts`. */
export interface HostRow {
  host: string;
  last_seen: string | null;
  events_5m: number;
  status: 'ok' | 'silent';
  /** The host's measured clock offset, when the collector has an estimate. */
  clock: (HostClock & { skewed: boolean; lines_agree: boolean }) | null;
}

/** `GET /api/v1/session`. */
export interface SessionState {
  signed_in: boolean;
  name?: string;
  scope?: string;
}
