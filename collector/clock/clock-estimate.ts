import type { ClockSample, HostClock } from '../../protocol/heartbeat.js';

/**
 * A clock's frequency error: NTP assumes at most 15 ppm for an undisciplined quartz clock, so an estimate's bound
 * grows by 15 µs for every second since it was measured.
 */
const DRIFT_PER_MS = 15e-6;
/** The exchange's times are whole milliseconds: each of t1…t4 may be off by up to 1 ms. */
const RESOLUTION_MS = 1;
/** Exchanges older than this say little about the clock now (a host may have been re-synchronised). */
const MAX_SAMPLE_AGE_MS = 3_600_000;

/** One exchange as numbers: the host's offset from it and its round trip. */
interface Measured {
  offsetMs: number;
  delayMs: number;
  receivedMs: number;
}

/**
 * Estimates a host's clock offset from its recent heartbeat exchanges the way NTP does (RFC 5905): each exchange
 * gives offset = ((t1 - t2) + (t4 - t3)) / 2 (host minus collector) with an error of at most half its round trip
 * delay = (t4 - t1) - (t3 - t2), whatever the split between the two directions. The exchange with the shortest
 * round trip is the most accurate (NTP's clock filter), so its offset is the estimate and half its round trip,
 * plus drift since and the timestamps' resolution, is the bound. Exchanges that cannot be true (negative round
 * trip, answers before questions) are dropped. Answers null when no exchange is usable.
 */
export function estimateClock(
  samples: readonly ClockSample[],
  nowMs: number,
): Omit<HostClock, 'line_delay_ms' | 'line_events'> | null {
  const measured: Measured[] = [];
  for (const s of samples) {
    const t1 = Date.parse(s.sent_at);
    const t2 = Date.parse(s.collector_received_at);
    const t3 = Date.parse(s.collector_replied_at);
    const t4 = Date.parse(s.received_at);
    const delayMs = t4 - t1 - (t3 - t2);
    if (t4 < t1 || t3 < t2 || delayMs < 0 || nowMs - t2 > MAX_SAMPLE_AGE_MS) continue;
    measured.push({ offsetMs: (t1 - t2 + (t4 - t3)) / 2, delayMs, receivedMs: t2 });
  }
  if (measured.length === 0) return null;
  const best = measured.reduce((a, b) =>
    b.delayMs < a.delayMs || (b.delayMs === a.delayMs && b.receivedMs > a.receivedMs) ? b : a,
  );
  const ageMs = Math.max(0, nowMs - best.receivedMs);
  return {
    offset_ms: Math.round(best.offsetMs),
    bound_ms: Math.ceil(best.delayMs / 2 + RESOLUTION_MS + ageMs * DRIFT_PER_MS),
    delay_ms: best.delayMs,
    samples: measured.length,
    measured_at: new Date(best.receivedMs).toISOString(),
  };
}
