import { useState } from 'preact/hooks';
import type { Hit } from '../api/types';
import type { TimeZoneMode } from '../state/url-state';
import { formatTime } from '../time/time-format';
import { ClockShiftNote, shownHit } from './clock-shift';
import { MessageText } from './message-text';
import { hostColor } from './palette';

/** Longer first lines than this may be cut by the two-line clamp. */
const LONG_LINE = 60;

interface Props {
  hits: Hit[];
  anchorId: string;
  hosts: string[];
  tz: TimeZoneMode;
  onAnchor: (hit: Hit) => void;
}

/** One event in its lane: milliseconds, the first line, the rest folded; a click makes it the anchor. */
function LaneEvent({
  hit,
  anchor,
  tz,
  onAnchor,
}: {
  hit: Hit;
  anchor: boolean;
  tz: TimeZoneMode;
  onAnchor: (hit: Hit) => void;
}) {
  const [open, setOpen] = useState(false);
  const lines = hit.message.split('\n');
  // A long first line is clamped to two lines too: it unfolds the same way.
  const foldable = lines.length > 1 || lines[0]!.length > LONG_LINE;
  return (
    <div
      class={`lane-event level-${hit.level ?? 'none'}${anchor ? ' anchor' : ''}${open ? ' open' : ''}`}
      data-id={hit.id}
    >
      <button type="button" class="reanchor" title="Make this the anchor" onClick={() => onAnchor(hit)}>
        {formatTime(shownHit(hit).timestamp, tz).slice(-6)}
      </button>
      {foldable && (
        <button type="button" class="fold" onClick={() => setOpen(!open)}>
          {open ? 'fold' : lines.length > 1 ? `+${lines.length - 1} lines` : 'more'}
        </button>
      )}
      <div class="lane-text">
        <MessageText text={open ? hit.message : lines[0]!} terms={[]} />
      </div>
      <ClockShiftNote hit={hit} tz={tz} />
    </div>
  );
}

/**
 * One lane per host, side by side, one row per second: each cell holds every event of that host in that second, so a
 * screen shows many events per lane while the rows still line up in time.
 */
export function ContextLanes({ hits, anchorId, hosts, tz, onAnchor }: Props) {
  const rows: { second: string; cells: Map<string, Hit[]> }[] = [];
  for (const hit of hits) {
    const second = formatTime(shownHit(hit).timestamp, tz).slice(0, 19);
    let row = rows.at(-1);
    if (row?.second !== second) rows.push((row = { second, cells: new Map() }));
    const host = hit.host ?? '-';
    const cell = row.cells.get(host) ?? [];
    cell.push(hit);
    row.cells.set(host, cell);
  }
  return (
    <div class="lanes-scroll">
      <div class="lanes" style={{ '--lanes': String(hosts.length) } as Record<string, string>}>
        <div class="lane-head lane-time">time</div>
        {hosts.map((h) => (
          <div class="lane-head" key={h}>
            <span class="chip" style={{ background: hostColor(h) }} />
            {h}
          </div>
        ))}
        {rows.map((row) => {
          const hasAnchor = [...row.cells.values()].some((c) => c.some((h) => h.id === anchorId));
          return [
            <div key={`${row.second}-t`} class={hasAnchor ? 'lane-time anchor' : 'lane-time'}>
              {row.second.slice(11)}
            </div>,
            ...hosts.map((h) => (
              <div key={`${row.second}-${h}`} class="lane-cell">
                {(row.cells.get(h) ?? []).map((hit) => (
                  <LaneEvent key={hit.id} hit={hit} anchor={hit.id === anchorId} tz={tz} onAnchor={onAnchor} />
                ))}
              </div>
            )),
          ];
        })}
      </div>
    </div>
  );
}
