import { useEffect } from 'preact/hooks';
import type { Hit } from '../api/types';
import { ClockShiftNote, shownHit } from '../components/clock-shift';
import { ContextLanes } from '../components/context-lanes';
import { ContextSide } from '../components/context-side';
import { EventDetails } from '../components/event-details';
import { HitRow } from '../components/hit-row';
import { hostColor } from '../components/palette';
import { fieldClause } from '../query/query-clauses';
import { useContextData, type ContextSpan } from '../state/context-data';
import { navigate, readViewState, searchAround, useLocation, viewSearch } from '../state/url-state';
import { formatTime } from '../time/time-format';

const SPANS: [string, string, ContextSpan][] = [
  ['events:25', '±25 events', { kind: 'events', count: 25 }],
  ['events:50', '±50 events', { kind: 'events', count: 50 }],
  ['events:200', '±200 events', { kind: 'events', count: 200 }],
  ['window:10s', '±10 s', { kind: 'window', ms: 10_000, label: '10 s' }],
  ['window:1m', '±1 min', { kind: 'window', ms: 60_000, label: '1 min' }],
  ['window:5m', '±5 min', { kind: 'window', ms: 300_000, label: '5 min' }],
];

/**
 * "Around this": a merged timeline of every host (or the chosen ones) around one event, or one lane per host. The
 * search it came from stays in the URL, so "Back to search" returns to it, and the whole view can be shared.
 */
export function ContextPage({ id }: { id: string }) {
  const location = useLocation();
  const params = new URLSearchParams(location.search);
  const view = readViewState(location.search);
  const spanKey = SPANS.some(([k]) => k === params.get('span')) ? params.get('span')! : 'events:50';
  const span = SPANS.find(([k]) => k === spanKey)![2];
  const mode = params.get('mode') === 'lanes' ? 'lanes' : 'merged';
  const chosen = params.getAll('ctx_host');
  // "Align clocks": each host's events moved by its measured clock offset (kept in the URL like every choice).
  const align = params.get('align') === 'clocks';
  const data = useContextData(id, span, chosen, align);

  const setParam = (mutate: (p: URLSearchParams) => void) => {
    const next = new URLSearchParams(window.location.search);
    mutate(next);
    navigate(`${window.location.pathname}?${next.toString()}`);
  };
  const reanchor = (hit: Hit) => navigate(`/context/${encodeURIComponent(hit.id)}${window.location.search}`);
  const openDetails = (hit: Hit) => setParam((p) => p.set('event', hit.id));

  useEffect(
    () => document.querySelector('.context-body .anchor')?.scrollIntoView({ block: 'center' }),
    [data.anchor, mode],
  );

  if (data.error) return <p class="error">{data.error}</p>;
  const { anchor } = data;
  if (!anchor) return <p class="loading">Loading…</p>;
  const rows = [...data.before.hits, anchor, ...data.after.hits];
  const shownHosts = [...new Set(rows.map((h) => h.host ?? '-'))].sort();
  const laneHosts = chosen.length ? shownHosts.filter((h) => chosen.includes(h)) : shownHosts;
  return (
    <section class={view.event ? 'context with-details' : 'context'}>
      <div class="toolbar">
        <button type="button" onClick={() => navigate(`/${viewSearch({ ...view, event: '' })}`)}>
          ← Back to search
        </button>
        <span class="context-title">
          Around <strong>{formatTime(shownHit(anchor).timestamp, view.tz)}</strong> on {shownHosts.length} host
          {shownHosts.length === 1 ? '' : 's'}
        </span>
        <select
          aria-label="Span"
          value={spanKey}
          onChange={(e) => setParam((p) => p.set('span', e.currentTarget.value))}
        >
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
        {data.hosts.map((h) => {
          const on = chosen.length === 0 || chosen.includes(h);
          return (
            <button
              type="button"
              key={h}
              class={on ? 'filter on' : 'filter'}
              aria-pressed={on}
              onClick={() =>
                setParam((p) => {
                  const current = chosen.length ? chosen : data.hosts;
                  const next = on ? current.filter((x) => x !== h) : [...current, h];
                  p.delete('ctx_host');
                  if (next.length !== data.hosts.length) for (const x of next) p.append('ctx_host', x);
                })
              }
            >
              <span class="chip" style={{ background: hostColor(h) }} />
              {h}
            </button>
          );
        })}
      </div>
      <div class="sides">
        <ContextSide
          side="before"
          state={data.before}
          anchor={anchor}
          span={span}
          onMore={() => data.loadMore('before')}
        />
        <ContextSide
          side="after"
          state={data.after}
          anchor={anchor}
          span={span}
          onMore={() => data.loadMore('after')}
        />
      </div>
      <div class="context-body">
        {mode === 'merged' ? (
          <div class="context-list">
            {rows.map((hit) => (
              <div key={hit.id}>
                <HitRow
                  hit={shownHit(hit)}
                  tz={view.tz}
                  terms={[]}
                  anchor={hit.id === anchor.id}
                  onContext={hit.id === anchor.id ? undefined : reanchor}
                  contextLabel="anchor here"
                  onOpen={openDetails}
                />
                <ClockShiftNote hit={hit} tz={view.tz} />
              </div>
            ))}
          </div>
        ) : (
          <ContextLanes hits={rows} anchorId={anchor.id} hosts={laneHosts} tz={view.tz} onAnchor={reanchor} />
        )}
        {view.event && (
          <EventDetails
            id={view.event}
            tz={view.tz}
            onValue={(field, value, exclude, event) =>
              navigate(searchAround(event.timestamp, fieldClause(field, value, exclude), view.tz))
            }
            onContext={(eventId) => navigate(`/context/${encodeURIComponent(eventId)}${window.location.search}`)}
            onClose={() => setParam((p) => p.delete('event'))}
          />
        )}
      </div>
    </section>
  );
}
