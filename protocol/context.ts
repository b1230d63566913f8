import type { Hit } from './event.js';

/** A hit of `/events/{id}/context?align=clocks`: its own time is kept, the aligned time and the shift are added. */
export interface AlignedHit extends Hit {
  /** `timestamp` moved by the host's measured clock offset: when the event happened on the collector's clock. */
  aligned_timestamp: string;
  /** What was added to `timestamp` (ms): minus the host's offset, 0 for a host without an estimate. */
  shift_ms: number;
}

/** The answer of `/events/{id}/context?align=clocks`: events ordered by aligned time. */
export interface AlignedContextResult {
  anchor: AlignedHit;
  /** Oldest first. */
  before: AlignedHit[];
  after: AlignedHit[];
  aligned: true;
  /** The shift applied per host (ms), for every host that has one. */
  shifts: Record<string, number>;
}
