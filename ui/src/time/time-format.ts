import type { TimeZoneMode } from '../state/url-state';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2026-11-26 03:12:00.250` in UTC or the browser's zone: one format everywhere, milliseconds kept. */
export function formatTime(iso: string, tz: TimeZoneMode): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  if (tz === 'utc') return d.toISOString().replace('T', ' ').replace('Z', '');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** A URL time as a user reads and types it: relative times as they are, absolute ones without `.000`. */
export function formatTimeInput(value: string, tz: TimeZoneMode): string {
  if (value.startsWith('now')) return value;
  return formatTime(value, tz).replace(/\.000$/, '');
}

/** A span of time, exact to the millisecond while short: `48.000 s`, `2 min 5.250 s`, `3 h 12 min`, `9 d 10 h`. */
export function formatSpan(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 60_000) return `${(abs / 1000).toFixed(3)} s`;
  if (abs < 3_600_000) return `${Math.floor(abs / 60_000)} min ${((abs % 60_000) / 1000).toFixed(3)} s`;
  if (abs < 86_400_000) return `${Math.floor(abs / 3_600_000)} h ${Math.floor((abs % 3_600_000) / 60_000)} min`;
  return `${Math.floor(abs / 86_400_000)} d ${Math.floor((abs % 86_400_000) / 3_600_000)} h`;
}
