import type { Hit } from '../api/types';
import type { ContextSpan, Side, SideState } from '../state/context-data';
import { shownHit } from './clock-shift';
import { formatSpan } from '../time/time-format';

interface Props {
  side: Side;
  state: SideState;
  anchor: Hit;
  span: ContextSpan;
  onMore: () => void;
}

/**
 * How far one side of the context really reaches ("1,000 events, 48.000 s before"), and, when the API's limit cut it
 * short of what was asked, that it did, with a button to load the rest.
 */
export function ContextSide({ side, state, anchor, span, onMore }: Props) {
  const edge = side === 'before' ? state.hits[0] : state.hits.at(-1);
  const at = (hit: Hit) => Date.parse(shownHit(hit).timestamp);
  const reach = edge ? Math.abs(at(anchor) - at(edge)) : 0;
  const count = `${state.hits.length.toLocaleString('en-US')} event${state.hits.length === 1 ? '' : 's'}`;
  const status = state.cut
    ? span.kind === 'window'
      ? `cut at ${state.hits.length.toLocaleString('en-US')}: the window reaches ${span.label}`
      : 'more may follow'
    : span.kind === 'window'
      ? `all within ${span.label}`
      : `all there are`;
  return (
    <div class={state.cut ? 'side cut' : 'side'} data-side={side}>
      <span>
        {count}, {formatSpan(reach)} {side}
      </span>
      <span class="side-status">{status}</span>
      {state.cut && (
        <button type="button" class="load-more" disabled={state.loading} onClick={onMore}>
          {state.loading ? 'loading…' : `load more ${side}`}
        </button>
      )}
    </div>
  );
}
