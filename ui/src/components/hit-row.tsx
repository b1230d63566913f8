import { useState } from 'preact/hooks';
import type { Hit } from '../api/types';
import type { TimeZoneMode } from '../state/url-state';
import { MessageText, prettyJson } from './message-text';
import { formatTime } from './time-format';

/** A stable colour per host, so the same host looks the same in every view. */
export function hostColor(host: string): string {
  // FNV-1a, then golden-angle spacing: names that differ by one character ("web-1", "web-2") land far apart.
  let h = 0x811c9dc5;
  for (let i = 0; i < host.length; i++) h = Math.imul(h ^ host.charCodeAt(i), 0x01000193) >>> 0;
  return `hsl(${Math.round((h * 137.508) % 360)} 60% 45%)`;
}

export interface HitRowProps {
  hit: Hit;
  tz: TimeZoneMode;
  terms: string[];
  selected?: boolean;
  anchor?: boolean;
  onHost?: (host: string) => void;
  onContext?: (hit: Hit) => void;
}

/**
 * One log event. Log text is attacker-controlled: it is only ever rendered as text nodes (JSX escapes it), never
 * as HTML. Multi-line messages (stack traces) are folded to their first line; JSON messages can be expanded.
 */
export function HitRow({ hit, tz, terms, selected, anchor, onHost, onContext }: HitRowProps) {
  const [open, setOpen] = useState(false);
  const json = prettyJson(hit.message);
  const lines = hit.message.split('\n');
  const foldable = lines.length > 1 || json !== undefined;
  const shown = open ? (json ?? hit.message) : lines[0]!;
  const classes = ['hit', `level-${hit.level ?? 'none'}`, selected ? 'selected' : '', anchor ? 'anchor' : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div class={classes} data-id={hit.id}>
      <time dateTime={hit.timestamp}>{formatTime(hit.timestamp, tz)}</time>
      {hit.host ? (
        <button class="host" type="button" title={`Only ${hit.host}`} onClick={() => onHost?.(hit.host!)}>
          <span class="chip" style={{ background: hostColor(hit.host) }} />
          {hit.host}
        </button>
      ) : (
        <span class="host">-</span>
      )}
      <span class="level">{hit.level ?? ''}</span>
      <span class="message">
        <span class="text">
          <MessageText text={shown} terms={terms} />
        </span>
        {foldable && (
          <button type="button" class="fold" onClick={() => setOpen(!open)}>
            {open ? 'fold' : json ? '{…}' : `+${lines.length - 1} lines`}
          </button>
        )}
        {onContext && (
          <button
            type="button"
            class="around"
            title="What happened around this on every server (c)"
            onClick={() => onContext(hit)}
          >
            around
          </button>
        )}
      </span>
    </div>
  );
}
