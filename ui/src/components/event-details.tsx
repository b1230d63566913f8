import { useEffect, useState } from 'preact/hooks';
import { ApiError, apiGet } from '../api/client';
import type { EventDetail } from '../api/types';
import type { TimeZoneMode } from '../state/url-state';
import { formatSpan, formatTime } from '../time/time-format';
import { FieldValue, type ValueAction } from './field-value';
import { MessageText } from './message-text';
import { hostColor } from './palette';

interface Props {
  id: string;
  tz: TimeZoneMode;
  /** Filter on a value (`exclude` false) or leave it out (true). */
  onValue: ValueAction;
  onContext: (id: string) => void;
  onClose?: () => void;
}

/** A later time as "+0.361 s" after an earlier one: how long the line took to be read, and to be stored. */
function after(later: string, earlier: string): string {
  const ms = Date.parse(later) - Date.parse(earlier);
  return Number.isNaN(ms) ? '' : `${ms < 0 ? '−' : '+'}${formatSpan(ms)}`;
}

/**
 * Everything about one event: its three times (in the line, read, stored), where it came from, the whole message
 * and every parsed field, each value one click from a filter; copy as JSON and a link to it. Values are text only.
 */
export function EventDetails({ id, tz, onValue, onContext, onClose }: Props) {
  const [event, setEvent] = useState<EventDetail | undefined>();
  const [error, setError] = useState('');
  /** What the last copy did: a note to show, and whether the text must be offered for copying by hand. */
  const [copied, setCopied] = useState({ note: '', refused: false });
  useEffect(() => {
    setEvent(undefined);
    setError('');
    setCopied({ note: '', refused: false });
    const abort = new AbortController();
    apiGet<EventDetail>(`/api/v1/events/${encodeURIComponent(id)}`, {}, abort.signal).then(setEvent, (err: unknown) => {
      if (!abort.signal.aborted) setError(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));
    });
    return () => abort.abort();
  }, [id]);

  const link = `/events/${encodeURIComponent(id)}`;
  const copy = async (what: string, text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied({ note: `${what} copied`, refused: false });
    } catch {
      setCopied({ note: 'The browser refused to copy; select the text below.', refused: true });
    }
  };
  const close = onClose && (
    <button type="button" class="close" title="Close (Esc)" onClick={onClose}>
      ✕
    </button>
  );
  if (error)
    return (
      <section class="details" aria-label="Event details">
        <header>{close}</header>
        <p class="error">{error}</p>
      </section>
    );
  if (!event)
    return (
      <section class="details" aria-label="Event details">
        <header>{close}</header>
        <p class="loading">Loading…</p>
      </section>
    );
  const json = JSON.stringify(event, null, 2);
  const origin: [string, string, string | number | null][] = [
    ['host', 'host', event.host],
    ['service', 'service', event.service],
    ['level', 'level', event.level],
    ['file', 'source', event.source],
    ['offset', 'offset', event.offset],
    ['format', 'dataset', event.dataset],
  ];
  const fields = Object.entries(event.fields).sort(([a], [b]) => a.localeCompare(b));
  const act = (field: string, value: string | number | boolean, exclude: boolean) =>
    onValue(field, value, exclude, event);
  return (
    <section class="details" aria-label="Event details" data-id={event.id}>
      <header>
        {event.host && <span class="chip" style={{ background: hostColor(event.host) }} />}
        <strong>{formatTime(event.timestamp, tz)}</strong>
        <span class="spacer" />
        <button type="button" class="details-context" onClick={() => onContext(event.id)}>
          Around this
        </button>
        <button type="button" class="copy-json" onClick={() => void copy('JSON', json)}>
          Copy JSON
        </button>
        <a class="event-link" href={link} title="A link to this event">
          Link
        </a>
        <button type="button" class="copy-link" onClick={() => void copy('Link', `${window.location.origin}${link}`)}>
          Copy link
        </button>
        {close}
      </header>
      {copied.note && (
        <p class="copied" role="status">
          {copied.note}
        </p>
      )}
      <table class="detail-table">
        <tbody>
          <tr data-field="@timestamp">
            <th>@timestamp</th>
            <td>
              <time dateTime={event.timestamp}>{formatTime(event.timestamp, tz)}</time>
            </td>
          </tr>
          <tr data-field="read">
            <th>read</th>
            <td>
              {event.read_at ? (
                <>
                  <time dateTime={event.read_at}>{formatTime(event.read_at, tz)}</time>
                  <span class="delta">{after(event.read_at, event.timestamp)}</span>
                </>
              ) : (
                <span class="muted">not sent by the shipper</span>
              )}
            </td>
          </tr>
          <tr data-field="ingested">
            <th>ingested</th>
            <td>
              <time dateTime={event.ingested}>{formatTime(event.ingested, tz)}</time>
              <span class="delta">{after(event.ingested, event.read_at ?? event.timestamp)}</span>
            </td>
          </tr>
          {origin.map(([label, field, value]) => (
            <tr key={label} data-field={field}>
              <th>{label}</th>
              <td>
                {value === null ? (
                  <span class="muted">—</span>
                ) : (
                  <FieldValue field={field} value={value} onValue={act} />
                )}
              </td>
            </tr>
          ))}
          <tr data-field="id">
            <th>id</th>
            <td class="mono">{event.id}</td>
          </tr>
        </tbody>
      </table>
      <pre class="details-message">
        <MessageText text={event.message} terms={[]} />
      </pre>
      <table class="detail-table fields">
        <tbody>
          {fields.map(([name, value]) => (
            <tr key={name} data-field={name}>
              <th>{name}</th>
              <td>
                <FieldValue field={name} value={value} onValue={act} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {copied.refused && <textarea class="json-fallback" readOnly value={json} />}
    </section>
  );
}
