import type { AlignedHit, Hit } from '../api/types';
import type { TimeZoneMode } from '../state/url-state';
import { formatOffset } from './clock-offset';
import { formatTime } from '../time/time-format';

/** A hit as the context views show it: with aligned clocks, at its aligned time, the original kept aside. */
export function shownHit(hit: Hit | AlignedHit): Hit {
  return 'aligned_timestamp' in hit ? { ...hit, timestamp: hit.aligned_timestamp } : hit;
}

/** On a shifted row: how far its host's clock was corrected and the time its line carries. */
export function ClockShiftNote({ hit, tz }: { hit: Hit | AlignedHit; tz: TimeZoneMode }) {
  if (!('shift_ms' in hit) || hit.shift_ms === 0) return null;
  return (
    <span class="clock-shift" title={`This host's clock is corrected by ${formatOffset(hit.shift_ms)}.`}>
      clock {formatOffset(hit.shift_ms)} · line time {formatTime(hit.timestamp, tz)}
    </span>
  );
}
