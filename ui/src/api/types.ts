export type { Hit, Level } from '../../../protocol/event';
export type { SearchResult } from '../../../protocol/search';
export type { Pattern, PatternsResult } from '../../../protocol/patterns';
export type { AlignedContextResult, AlignedHit } from '../../../protocol/context';
export type { HostClock } from '../../../protocol/heartbeat';

/** `GET /api/v1/histogram` (CONTRACT §5). */
export interface HistogramResult {
  interval: string;
  buckets: { key: string; count: number; by: Record<string, number> }[];
}

/** `GET /api/v1/session`. */
export interface SessionState {
  signed_in: boolean;
  name?: string;
  scope?: string;
}
