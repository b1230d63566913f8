import type { TimeZoneMode } from '../state/url-state';

/** Units of relative times, as the API reads them (`now-15m`). */
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The presets of the time menu: relative ranges ending now. */
export const TIME_PRESETS = [
  ['now-5m', 'Last 5 minutes'],
  ['now-15m', 'Last 15 minutes'],
  ['now-30m', 'Last 30 minutes'],
  ['now-1h', 'Last hour'],
  ['now-3h', 'Last 3 hours'],
  ['now-6h', 'Last 6 hours'],
  ['now-24h', 'Last 24 hours'],
  ['now-7d', 'Last 7 days'],
] as const;

const RELATIVE = /^now(?:([+-])(\d+)([smhdw]))?$/;

/** A URL time (`now-15m` or ISO) as milliseconds since the epoch, at `now`. */
export function resolveTime(value: string, now = Date.now()): number {
  const m = RELATIVE.exec(value);
  if (m) return m[1] ? now + (m[1] === '-' ? -1 : 1) * Number(m[2]) * UNIT_MS[m[3]!]! : now;
  return Date.parse(value);
}

/** Whether a range ends at the moving "now" (live tail belongs only to such ranges). */
export const endsNow = (to: string): boolean => to === 'now';

/** `now-<length>` in the largest unit that divides it evenly (4 minutes → `now-4m`). */
export function relativeFrom(lengthMs: number): string {
  const seconds = Math.max(1, Math.round(lengthMs / 1000));
  for (const unit of ['w', 'd', 'h', 'm'] as const) {
    const per = UNIT_MS[unit]! / 1000;
    if (seconds % per === 0) return `now-${seconds / per}${unit}`;
  }
  return `now-${seconds}s`;
}

/** The same length of time, ending now: where live tail moves a past range. */
export function sameLengthEndingNow(from: string, to: string, now = Date.now()): { from: string; to: string } {
  return { from: relativeFrom(resolveTime(to, now) - resolveTime(from, now)), to: 'now' };
}

/**
 * Twice as long around the same middle; a range ending now stays relative. The end never passes now: a range that
 * would is made to end now.
 */
export function zoomOut(from: string, to: string, now = Date.now()): { from: string; to: string } {
  const start = resolveTime(from, now);
  const end = resolveTime(to, now);
  const length = end - start;
  if (endsNow(to)) return { from: relativeFrom(2 * length), to: 'now' };
  const middle = (start + end) / 2;
  if (middle + length >= now) return { from: relativeFrom(now - (middle - length)), to: 'now' };
  return { from: new Date(middle - length).toISOString(), to: new Date(middle + length).toISOString() };
}

/**
 * Half the range earlier (-1) or later (+1). Reaching now (within a hundredth of the range: the seconds spent looking
 * at the page) gives the same length ending now, which live tail can then follow.
 */
export function shiftRange(
  from: string,
  to: string,
  direction: -1 | 1,
  now = Date.now(),
): { from: string; to: string } {
  const start = resolveTime(from, now);
  const end = resolveTime(to, now);
  const step = ((end - start) / 2) * direction;
  if (end + step >= now - Math.max(1000, (end - start) / 100)) return { from: relativeFrom(end - start), to: 'now' };
  return { from: new Date(start + step).toISOString(), to: new Date(end + step).toISOString() };
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * What a user types into a time box, as a URL time: `40m` or `now-40m` (relative), `now`, an ISO time, or
 * `2026-11-26 10:00[:05[.250]]` and `10:00` (today) in the display zone. An error message for anything else.
 */
export function parseTimeInput(
  text: string,
  tz: TimeZoneMode,
  now = new Date(),
): { value: string } | { error: string } {
  const t = text.trim();
  const short = /^-?(\d+)\s*([smhdw])$/.exec(t);
  if (short) return { value: `now-${short[1]}${short[2]}` };
  const rel = RELATIVE.exec(t.replace(/\s+/g, ''));
  if (rel) return { value: t.replace(/\s+/g, '') };
  let local = t;
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?$/.exec(t);
  if (clock) {
    const day =
      tz === 'utc'
        ? now.toISOString().slice(0, 10)
        : `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
    local = `${day}T${pad(Number(clock[1]))}:${clock[2]}:${clock[3] ?? '00'}${clock[4] ?? ''}`;
  }
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(local);
  if (m) {
    const iso = `${m[1]}T${pad(Number(m[2] ?? 0))}:${m[3] ?? '00'}:${m[4] ?? '00'}${m[5] ?? ''}`;
    const zone = m[6] ?? (tz === 'utc' ? 'Z' : '');
    const ms = Date.parse(`${iso}${zone}`);
    if (!Number.isNaN(ms)) return { value: new Date(ms).toISOString() };
  }
  return { error: `"${t.slice(0, 40)}" is not a time: try 40m, now-2h, 10:30 or 2026-11-26 10:30.` };
}
