/**
 * The API's shapes, as the collector defines them in protocol/ (zod schemas that also validate requests and generate
 * docs/openapi.json). Types only: `import type` keeps zod out of the UI bundle.
 */
export type { EventDetail, Hit, Level } from '../../../protocol/event';
export type {
  FieldsResult,
  HistogramResult,
  SearchResult,
  TopValuesResult as TopValues,
} from '../../../protocol/search';
export type { Pattern, PatternsResult } from '../../../protocol/patterns';
export type { AlignedContextResult, AlignedHit, ContextResult } from '../../../protocol/context';
export type { HostClock } from '../../../protocol/heartbeat';
export type { HostStatus as HostRow } from '../../../protocol/hosts';
export type { SessionState } from '../../../protocol/session';
