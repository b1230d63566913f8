import { useState } from 'preact/hooks';
import type { Hit } from '../api/types';
import type { TimeZoneMode } from '../state/url-state';
import { formatTime } from '../time/time-format';
import { MessageText, prettyJson } from './message-text';
import { hostColor } from './palette';

export interface HitRowProps {
  hit: Hit;
  tz: TimeZoneMode;
  terms: string[];
  selected?: boolean;
  anchor?: boolean;
  onHost?: (host: string) => void;
  onContext?: (hit: Hit) => void;
  /** Opens the event's details (a click on the row or its time). */
  onOpen?: (hit: Hit) => void;
  /** The label of the context button: "around" in search, "anchor here" in a context view. */
  contextLabel?: string;
}

/** A click that selected text, or landed on a control, is not a request for the details. */
function isPlainClick(e: MouseEvent): boolean {
  const target = e.target as HTMLElement | null;
  if (target?.closest('button, a, input, select')) return false;
  return !window.getSelection()?.toString();
}

/**
 * One log event. Log text is attacker-controlled: it is only ever rendered as text nodes (JSX escapes it), never
 * as HTML. Multi-line messages (stack traces) are folded to their first line; JSON messages can be expanded.
 */
export function HitRow({ hit, tz, terms, selected, anchor, onHost, onContext, onOpen, contextLabel }: HitRowProps) {
  const [open, setOpen] = useState(false);
  const json = prettyJson(hit.message);
  const lines = hit.message.split('\n');
  const foldable = lines.length > 1 || json !== undefined;
  const shown = open ? (json ?? hit.message) : lines[0]!;
  const classes = ['hit', `level-${hit.level ?? 'none'}`, selected ? 'selected' : '', anchor ? 'anchor' : '']
    .filter(Boolean)
    .join(' ');
  // The date apart from the clock: beside the details only the clock is shown.
  const [date, clock] = formatTime(hit.timestamp, tz).split(' ');
  const time = (
    <>
      <span class="date">{date} </span>
      {clock}
    </>
  );
  return (
    <div class={classes} data-id={hit.id} onClick={(e) => onOpen && isPlainClick(e) && onOpen(hit)}>
      {onOpen ? (
        <a
          class="time"
          href={`/events/${encodeURIComponent(hit.id)}`}
          title="Details of this event"
          onClick={(e) => {
            if (e.ctrlKey || e.metaKey || e.shiftKey) return;
            e.preventDefault();
            onOpen(hit);
          }}
        >
          <time dateTime={hit.timestamp}>{time}</time>
        </a>
      ) : (
        <time class="time" dateTime={hit.timestamp}>
          {time}
        </time>
      )}
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
            {contextLabel ?? 'around'}
          </button>
        )}
      </span>
    </div>
  );
}
