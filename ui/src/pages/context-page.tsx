import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, apiGet } from '../api/client';
import type { AlignedContextResult, Hit } from '../api/types';
import { ClockShiftNote, shownHit } from '../components/clock-shift';
import { hostColor, HitRow } from '../components/hit-row';
import { formatTime } from '../components/time-format';
import { navigate, readViewState, viewSearch } from '../state/url-state';

type ContextResult = { anchor: Hit; before: Hit[]; after: Hit[] } | AlignedContextResult;

const SPANS = [
  ['events:25', '±25 events'],
  ['events:50', '±50 events'],
  ['events:200', '±200 events'],
  ['window:10s', '±10 s'],
  ['window:1m', '±1 min'],
  ['window:5m', '±5 min'],
] as const;

/**
 * "Around this": a merged timeline of every host (or the chosen ones) around one event, or one lane per host.
 * Everything is in the URL, so the view can be shared.
 */
export function ContextPage({ id }: { id: string }) {
  const params = new URLSearchParams(window.location.search);
  const view = readViewState(window.location.search);
  const span = params.get('span') ?? 'events:50';
  const mode = params.get('mode') === 'lanes' ? 'lanes' : 'merged';
  const chosen = params.getAll('ctx_host');
  // "Align clocks": each host's events moved by its measured clock offset (kept in the URL like every choice).
  const align = params.get('align') === 'clocks';
  const [data, setData] = useState<ContextResult | undefined>();
  const [error, setError] = useState('');
  const [allHosts, setAllHosts] = useState<string[]>([]);
  const anchorRow = useRef<HTMLDivElement>(null);

  const setParam = (mutate: (p: URLSearchParams) => void) => {
    const next = new URLSearchParams(window.location.search);
    mutate(next);
    navigate(`${window.location.pathname}?${next.toString()}`);
  };

  useEffect(() => {
    const [kind, value] = span.split(':') as [string, string];
    const query = kind === 'window' ? { window: value, before: 1000, after: 1000 } : { before: value, after: value };
    apiGet<ContextResult>(`/api/v1/events/${encodeURIComponent(id)}/context`, {
      ...query,
      host: chosen,
      align: align ? 'clocks' : undefined,
    }).then(
      (r) => {
        setData(r);
        setError('');
        if (chosen.length === 0)
          setAllHosts([...new Set([r.anchor, ...r.before, ...r.after].map((h) => h.host ?? '-'))].sort());
      },
      (err: unknown) => setError(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err)),
    );
  }, [id, span, chosen.join('\u0000'), align]);

  useEffect(() => anchorRow.current?.scrollIntoView({ block: 'center' }), [data, mode]);

  if (error) return <p class="error">{error}</p>;
  if (!data) return <p class="loading">Loading…</p>;
  const rows = [...data.before, data.anchor, ...data.after];
  const hosts = [...new Set(rows.map((h) => h.host ?? '-'))].sort();
  return (
    <section class="context">
      <div class="toolbar">
        <button type="button" onClick={() => navigate(`/${viewSearch(view)}`)}>
          ← Back to search
        </button>
        <span>
          Around <strong>{formatTime(data.anchor.timestamp, view.tz)}</strong> on {hosts.length} host
          {hosts.length === 1 ? '' : 's'}
        </span>
        <select aria-label="Span" value={span} onChange={(e) => setParam((p) => p.set('span', e.currentTarget.value))}>
          {SPANS.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
        <div class="segmented" role="group" aria-label="Layout">
          <button type="button" aria-pressed={mode === 'merged'} onClick={() => setParam((p) => p.delete('mode'))}>
            Merged
          </button>
          <button type="button" aria-pressed={mode === 'lanes'} onClick={() => setParam((p) => p.set('mode', 'lanes'))}>
            Lanes
          </button>
        </div>
        <button
          type="button"
          class="align-clocks"
          aria-pressed={align}
          title="Shift each host's events by its measured clock offset"
          onClick={() => setParam((p) => (align ? p.delete('align') : p.set('align', 'clocks')))}
        >
          Align clocks
        </button>
      </div>
      <div class="filters ctx-hosts">
        {(allHosts.length ? allHosts : hosts).map((h) => {
          const on = chosen.length === 0 || chosen.includes(h);
          return (
            <button
              type="button"
              key={h}
              class={on ? 'filter on' : 'filter'}
              aria-pressed={on}
              onClick={() =>
                setParam((p) => {
                  const current = chosen.length ? chosen : allHosts;
                  const next = on ? current.filter((x) => x !== h) : [...current, h];
                  p.delete('ctx_host');
                  if (next.length !== allHosts.length) for (const x of next) p.append('ctx_host', x);
                })
              }
            >
              <span class="chip" style={{ background: hostColor(h) }} />
              {h}
            </button>
          );
        })}
      </div>
      {mode === 'merged' ? (
        <div class="context-list">
          {rows.map((hit) => (
            <div key={hit.id} ref={hit.id === data.anchor.id ? anchorRow : undefined}>
              <HitRow hit={shownHit(hit)} tz={view.tz} terms={[]} anchor={hit.id === data.anchor.id} />
              <ClockShiftNote hit={hit} tz={view.tz} />
            </div>
          ))}
        </div>
      ) : (
        <div class="lanes" style={{ gridTemplateColumns: `190px repeat(${hosts.length}, minmax(220px, 1fr))` }}>
          <div class="lane-head">time</div>
          {hosts.map((h) => (
            <div class="lane-head" key={h}>
              <span class="chip" style={{ background: hostColor(h) }} />
              {h}
            </div>
          ))}
          {rows.map((hit) => {
            const col = hosts.indexOf(hit.host ?? '-');
            const anchor = hit.id === data.anchor.id;
            return [
              <time
                key={`${hit.id}-t`}
                class={anchor ? 'lane-time anchor' : 'lane-time'}
                dateTime={shownHit(hit).timestamp}
              >
                {formatTime(shownHit(hit).timestamp, view.tz)}
              </time>,
              ...hosts.map((_, i) => (
                <div
                  key={`${hit.id}-${i}`}
                  ref={anchor && i === col ? anchorRow : undefined}
                  class={
                    i === col ? `lane-cell level-${hit.level ?? 'none'}${anchor ? ' anchor' : ''}` : 'lane-cell empty'
                  }
                  data-id={i === col ? hit.id : undefined}
                >
                  {i === col ? hit.message.split('\n')[0] : ''}
                  {i === col && <ClockShiftNote hit={hit} tz={view.tz} />}
                </div>
              )),
            ];
          })}
        </div>
      )}
    </section>
  );
}
