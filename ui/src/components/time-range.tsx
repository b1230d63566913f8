import { useEffect, useState } from 'preact/hooks';
import type { TimeZoneMode } from '../state/url-state';
import { TIME_PRESETS } from './query-bar';

/** `datetime-local` values are in the browser's zone; the API takes ISO in UTC. */
function toInput(value: string, tz: TimeZoneMode): string {
  if (value.startsWith('now')) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '';
  const shifted = tz === 'utc' ? d : new Date(d.getTime() - d.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 19);
}

function fromInput(value: string, tz: TimeZoneMode): string {
  return new Date(tz === 'utc' ? `${value}Z` : value).toISOString();
}

/** Relative presets or an absolute range, in the display zone; and the zone switch (UTC or local). */
export function TimeRange({
  from,
  to,
  tz,
  onChange,
}: {
  from: string;
  to: string;
  tz: TimeZoneMode;
  onChange: (from: string, to: string, tz: TimeZoneMode) => void;
}) {
  const preset = to === 'now' && TIME_PRESETS.some(([v]) => v === from) ? from : '';
  const [absFrom, setAbsFrom] = useState(toInput(from, tz));
  const [absTo, setAbsTo] = useState(toInput(to, tz));
  useEffect(() => {
    setAbsFrom(toInput(from, tz));
    setAbsTo(toInput(to, tz));
  }, [from, to, tz]);
  return (
    <div class="time-range">
      <select
        aria-label="Time range"
        value={preset}
        onChange={(e) => e.currentTarget.value && onChange(e.currentTarget.value, 'now', tz)}
      >
        {!preset && <option value="">Custom range</option>}
        {TIME_PRESETS.map(([value, label]) => (
          <option value={value} key={value}>
            {label}
          </option>
        ))}
      </select>
      <input
        type="datetime-local"
        step="1"
        aria-label="From"
        value={absFrom}
        onChange={(e) =>
          e.currentTarget.value &&
          onChange(fromInput(e.currentTarget.value, tz), to === 'now' ? new Date().toISOString() : to, tz)
        }
      />
      <input
        type="datetime-local"
        step="1"
        aria-label="To"
        value={absTo}
        onChange={(e) => e.currentTarget.value && onChange(from, fromInput(e.currentTarget.value, tz), tz)}
      />
      <select
        aria-label="Time zone"
        value={tz}
        onChange={(e) => onChange(from, to, e.currentTarget.value as TimeZoneMode)}
      >
        <option value="local">Local time</option>
        <option value="utc">UTC</option>
      </select>
    </div>
  );
}
