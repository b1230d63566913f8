import { useEffect, useState } from 'preact/hooks';
import type { TimeZoneMode } from '../state/url-state';
import { formatTimeInput } from '../time/time-format';
import { parseTimeInput, TIME_PRESETS } from '../time/time-range-math';

interface Props {
  from: string;
  to: string;
  tz: TimeZoneMode;
  onChange: (from: string, to: string, tz: TimeZoneMode) => void;
}

/** One typed end of the range: applied on Enter or when the box is left, refused with a reason when unreadable. */
function TimeBox({
  label,
  value,
  tz,
  onValue,
}: {
  label: string;
  value: string;
  tz: TimeZoneMode;
  onValue: (v: string) => void;
}) {
  const [text, setText] = useState(formatTimeInput(value, tz));
  const [error, setError] = useState('');
  useEffect(() => {
    setText(formatTimeInput(value, tz));
    setError('');
  }, [value, tz]);
  const apply = () => {
    if (text.trim() === formatTimeInput(value, tz)) return;
    const parsed = parseTimeInput(text, tz);
    if ('error' in parsed) setError(parsed.error);
    else {
      setError('');
      onValue(parsed.value);
    }
  };
  return (
    <label class="time-box">
      <span class="time-label">{label}</span>
      <input
        type="text"
        aria-label={label}
        aria-invalid={error ? true : undefined}
        title={error || 'now-40m, 40m, 10:30 or 2026-11-26 10:30'}
        spellcheck={false}
        autocomplete="off"
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => e.key === 'Enter' && (e.preventDefault(), apply())}
        onBlur={apply}
      />
      {error && (
        <span class="time-error" role="alert">
          {error}
        </span>
      )}
    </label>
  );
}

/** Presets, typed relative or absolute ends (`now-40m`, `40m`, `2026-11-26 10:30`), and the zone switch. */
export function TimeRange({ from, to, tz, onChange }: Props) {
  const preset = to === 'now' && TIME_PRESETS.some(([v]) => v === from) ? from : '';
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
      <TimeBox label="From" value={from} tz={tz} onValue={(v) => onChange(v, to, tz)} />
      <TimeBox label="To" value={to} tz={tz} onValue={(v) => onChange(from, v, tz)} />
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
