import { useEffect, useState } from 'preact/hooks';

export type TimeZoneMode = 'local' | 'utc';
export type StackBy = 'host' | 'level' | 'service';
/** What the search page shows under its histogram: the events, or their patterns. */
export type ResultTab = 'results' | 'patterns';

/** Everything a view depends on lives in the URL, so a link restores the same view. */
export interface ViewState {
  q: string;
  from: string;
  to: string;
  hosts: string[];
  tz: TimeZoneMode;
  by: StackBy;
  tab: ResultTab;
  /** Facets added from the field list, beyond host, service, level and source. */
  facets: string[];
  /** The event whose details are open ('' when none). */
  event: string;
}

export const DEFAULT_VIEW: ViewState = {
  q: '',
  from: 'now-15m',
  to: 'now',
  hosts: [],
  tz: 'local',
  by: 'host',
  tab: 'results',
  facets: [],
  event: '',
};

/** Reads the view from a URL query string. */
export function readViewState(search = window.location.search): ViewState {
  const params = new URLSearchParams(search);
  const by = params.get('by');
  return {
    q: params.get('q') ?? DEFAULT_VIEW.q,
    from: params.get('from') ?? DEFAULT_VIEW.from,
    to: params.get('to') ?? DEFAULT_VIEW.to,
    hosts: params.getAll('host'),
    tz: params.get('tz') === 'utc' ? 'utc' : 'local',
    by: by === 'level' || by === 'service' ? by : 'host',
    tab: params.get('tab') === 'patterns' ? 'patterns' : 'results',
    facets: params.getAll('facet'),
    event: params.get('event') ?? '',
  };
}

/** The URL query string of a view, leaving defaults out. */
export function viewSearch(state: ViewState): string {
  const params = new URLSearchParams();
  if (state.q) params.set('q', state.q);
  if (state.from !== DEFAULT_VIEW.from) params.set('from', state.from);
  if (state.to !== DEFAULT_VIEW.to) params.set('to', state.to);
  for (const h of state.hosts) params.append('host', h);
  if (state.tz !== DEFAULT_VIEW.tz) params.set('tz', state.tz);
  if (state.by !== DEFAULT_VIEW.by) params.set('by', state.by);
  if (state.tab !== DEFAULT_VIEW.tab) params.set('tab', state.tab);
  for (const f of state.facets) params.append('facet', f);
  if (state.event) params.set('event', state.event);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Moves to another page of the app without a reload (the app listens to popstate). */
export function navigate(url: string, replace = false): void {
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** The current location, re-read on every history change. */
export function useLocation(): Location {
  const [, setTick] = useState(0);
  useEffect(() => {
    const onPop = () => setTick((t) => t + 1);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  return window.location;
}

/** The view state and a setter that pushes a history entry, so Back returns to the previous search. */
export function useViewState(): [ViewState, (next: ViewState) => void] {
  const location = useLocation();
  const state = readViewState(location.search);
  const update = (next: ViewState) => {
    const search = viewSearch(next);
    if (search !== window.location.search) navigate(`${window.location.pathname}${search}`);
  };
  return [state, update];
}

/** Five minutes either side of an event: the search a value clicked outside the search page opens. */
const AROUND_MS = 5 * 60_000;

/** The search URL of `q` within five minutes either side of a time. */
export function searchAround(timestamp: string, q: string, tz: TimeZoneMode): string {
  const t = Date.parse(timestamp);
  const from = new Date(t - AROUND_MS).toISOString();
  const to = new Date(t + AROUND_MS).toISOString();
  return `/${viewSearch({ ...DEFAULT_VIEW, tz, q, from, to })}`;
}
