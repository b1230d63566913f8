import type { HostClock } from '../api/types';

/** `-90.000 s`, `+12 ms`: an offset or shift in a readable unit, with its sign. */
export function formatOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const abs = Math.abs(ms);
  return abs >= 1000 ? `${sign}${(abs / 1000).toFixed(3)} s` : `${sign}${abs} ms`;
}

/** The hosts page's clock cell: the measured offset ± its bound, flagged past the threshold or when lines disagree. */
export function ClockOffset({ clock }: { clock: (HostClock & { skewed: boolean; lines_agree: boolean }) | null }) {
  if (!clock) return <span class="clock none">not measured</span>;
  const notes = [
    `measured ${clock.measured_at} from ${clock.samples} heartbeat exchanges (best round trip ${clock.delay_ms} ms)`,
    clock.line_delay_ms === null
      ? 'no line times to cross-check'
      : `lines are read ${clock.line_delay_ms} ms after their own time (median of ${clock.line_events})`,
  ];
  return (
    <span class={clock.skewed ? 'clock skewed' : 'clock'} title={notes.join('; ')}>
      {formatOffset(clock.offset_ms)} ± {clock.bound_ms} ms
      {clock.skewed && <span class="badge"> skewed</span>}
      {!clock.lines_agree && <span class="badge"> lines disagree</span>}
    </span>
  );
}
