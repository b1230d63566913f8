import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, apiGet } from '../api/client';
import type { ContextResult, Hit, TopValues } from '../api/types';
import { shownHit } from '../components/clock-shift';

/** The API gives at most this many events a side per request. */
export const MAX_SIDE = 1000;

/** What the context asks for: N events a side, or every event within a window (up to MAX_SIDE per request). */
export type ContextSpan = { kind: 'events'; count: number } | { kind: 'window'; ms: number; label: string };

export type Side = 'before' | 'after';

/** How much of one side is loaded: whether the last request came back full (so more may follow). */
export interface SideState {
  hits: Hit[];
  /** The last request filled its limit: there may be more, and the view says so. */
  cut: boolean;
  loading: boolean;
}

export interface ContextData {
  anchor?: Hit;
  before: SideState;
  after: SideState;
  /** Every host with events in the time the context covers, chosen or not: each can be turned on again. */
  hosts: string[];
  error: string;
  loadMore: (side: Side) => void;
}

const EMPTY: SideState = { hits: [], cut: false, loading: false };

function message(err: unknown): string {
  return err instanceof ApiError ? `${err.code}: ${err.message}` : String(err);
}

/** When an event happened as the context shows it: its own time, or with aligned clocks its aligned time. */
const shownMs = (hit: Hit) => Date.parse(shownHit(hit).timestamp);

/**
 * Loads the events around one event, and more of either side on demand: a side is continued from its farthest event
 * (the context of that event, one way only), with the window shortened by what is already covered, so the edge
 * stays the one the span asked for. With `align`, every time is the aligned one, as the API counts it then.
 */
export function useContextData(id: string, span: ContextSpan, chosen: string[], align: boolean): ContextData {
  const [anchor, setAnchor] = useState<Hit | undefined>();
  const [before, setBefore] = useState<SideState>(EMPTY);
  const [after, setAfter] = useState<SideState>(EMPTY);
  const [hosts, setHosts] = useState<string[]>([]);
  const [error, setError] = useState('');
  const generation = useRef(0);
  const limit = span.kind === 'events' ? span.count : MAX_SIDE;
  const windowParam = (edgeMs: number, anchorMs: number) =>
    span.kind === 'window' ? { window: `${Math.max(0, span.ms - Math.abs(anchorMs - edgeMs))}ms` } : {};
  const aligned = align ? { align: 'clocks' } : {};
  const key = JSON.stringify([id, span, chosen, align]);

  useEffect(() => {
    const mine = ++generation.current;
    const abort = new AbortController();
    setError('');
    setAnchor(undefined);
    setBefore(EMPTY);
    setAfter(EMPTY);
    const base = span.kind === 'window' ? { window: `${span.ms}ms` } : {};
    void (async () => {
      try {
        const r = await apiGet<ContextResult>(
          `/api/v1/events/${encodeURIComponent(id)}/context`,
          { ...base, ...aligned, before: limit, after: limit, host: chosen },
          abort.signal,
        );
        if (mine !== generation.current) return;
        setAnchor(r.anchor);
        setBefore({ hits: r.before, cut: r.before.length === limit, loading: false });
        setAfter({ hits: r.after, cut: r.after.length === limit, loading: false });
        const shown = [...r.before, r.anchor, ...r.after];
        const own = new Set(shown.map((h) => h.host ?? '-'));
        if (chosen.length === 0) return setHosts([...own].sort());
        // Some hosts are turned off: ask which hosts have events in the same time, so each can be turned back on.
        const t = Date.parse(r.anchor.timestamp);
        const reach = span.kind === 'window' ? span.ms : 0;
        const from = new Date(Math.min(Date.parse(shown[0]!.timestamp), t - reach)).toISOString();
        const to = new Date(Math.max(Date.parse(shown.at(-1)!.timestamp), t + reach)).toISOString();
        setHosts([...new Set([...own, ...chosen])].sort());
        const top = await apiGet<TopValues>('/api/v1/fields/host/top', { from, to, size: 100 }, abort.signal);
        if (mine === generation.current)
          setHosts([...new Set([...own, ...chosen, ...top.values.map((v) => String(v.value))])].sort());
      } catch (err) {
        if (!abort.signal.aborted && mine === generation.current) setError(message(err));
      }
    })();
    return () => abort.abort();
  }, [key]);

  const loadMore = (side: Side) => {
    const state = side === 'before' ? before : after;
    const set = side === 'before' ? setBefore : setAfter;
    const edge = side === 'before' ? state.hits[0] : state.hits.at(-1);
    if (!anchor || !edge || state.loading) return;
    const mine = generation.current;
    set({ ...state, loading: true });
    const params = {
      ...windowParam(shownMs(edge), shownMs(anchor)),
      ...aligned,
      before: side === 'before' ? limit : 0,
      after: side === 'after' ? limit : 0,
      host: chosen,
    };
    apiGet<ContextResult>(`/api/v1/events/${encodeURIComponent(edge.id)}/context`, params).then(
      (r) => {
        if (mine !== generation.current) return;
        const page = side === 'before' ? r.before : r.after;
        const hits = side === 'before' ? [...page, ...state.hits] : [...state.hits, ...page];
        set({ hits, cut: page.length === limit, loading: false });
      },
      (err: unknown) => {
        if (mine !== generation.current) return;
        set({ ...state, loading: false });
        setError(message(err));
      },
    );
  };

  return { anchor, before, after, hosts, error, loadMore };
}
