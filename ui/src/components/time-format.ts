import type { TimeZoneMode } from '../state/url-state';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2026-11-26 03:12:00.250` in UTC or the browser's zone: one format everywhere, milliseconds kept. */
export function formatTime(iso: string, tz: TimeZoneMode): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  if (tz === 'utc') return iso.replace('T', ' ').replace('Z', '');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
