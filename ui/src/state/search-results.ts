import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, apiGet } from '../api/client';
import type { Hit, HistogramResult, SearchResult } from '../api/types';
import { withLiveEvents } from '../components/chart-series';
import type { StackBy } from './url-state';

const PAGE = 200;
/** Live tail keeps the newest events only, so an open tab cannot grow without bound. */
const MAX_ROWS = 20_000;

export interface SearchFilter {
  q: string;
  from: string;
  to: string;
  hosts: string[];
}

export interface QueryProblem {
  message: string;
  position?: number;
}

/** Where a search stands: asked, rows painted, chart drawn (facets may ask now), or refused. */
export type SearchStage = 'loading' | 'rows' | 'done' | 'error';

export interface SearchResults {
  hits: Hit[];
  total?: SearchResult['total'];
  histogram?: HistogramResult;
  error?: QueryProblem;
  stage: SearchStage;
  hasMore: boolean;
  /** The next page, when the list scrolled near its end. */
  more: () => void;
  /** Events that live tail added since the search: counted into the total, the chart and the facets. */
  live: Hit[];
  /** The window the search resolved `from` and `to` to: what the chart, the facets and later pages ask for. */
  window?: SearchResult['window'];
  addLive: (fresh: Hit[]) => void;
}

function problem(err: unknown): QueryProblem {
  return err instanceof ApiError
    ? { message: `${err.code}: ${err.message}`, position: err.position }
    : { message: String(err) };
}

/**
 * The results of one search, asked for in the order the eye needs them: the rows first (alone, so they paint as soon
 * as the store answers), then the chart, then (through `stage === 'done'`) the facets. A new search drops what the
 * last one still waited for.
 */
export function useSearchResults(filter: SearchFilter, by: StackBy): SearchResults {
  const [hits, setHits] = useState<Hit[]>([]);
  const [total, setTotal] = useState<SearchResult['total'] | undefined>();
  const [histogram, setHistogram] = useState<HistogramResult | undefined>();
  const [error, setError] = useState<QueryProblem | undefined>();
  // The stage of the search of one key: in the render where the filter changed, the last search's 'done' must not
  // let the facets ask (a child's effect runs before this hook's), or they would reach the store before the rows.
  const [settled, setSettled] = useState<{ key: string; stage: SearchStage }>({ key: '', stage: 'loading' });
  const [live, setLive] = useState<Hit[]>([]);
  const [searched, setSearched] = useState<SearchResult['window'] | undefined>();
  const cursor = useRef<string | null>(null);
  /** Ids in the list: live tail may deliver an event the search already showed. */
  const shown = useRef(new Set<string>());
  const paging = useRef(false);
  const generation = useRef(0);
  const byRef = useRef(by);
  byRef.current = by;
  const params = { q: filter.q, from: filter.from, to: filter.to, host: filter.hosts };
  const key = JSON.stringify(params);
  const stage = settled.key === key ? settled.stage : 'loading';
  const setStage = (next: SearchStage) => setSettled({ key, stage: next });

  // A layout effect: the request leaves in the same task as the render, not after the next frame as useEffect's would.
  useLayoutEffect(() => {
    const mine = ++generation.current;
    const abort = new AbortController();
    cursor.current = null;
    paging.current = true;
    setStage('loading');
    // Nothing of the last search stays on screen under the new query, not even for the time the store takes.
    setHits([]);
    setTotal(undefined);
    setError(undefined);
    setHistogram(undefined);
    setLive([]);
    setSearched(undefined);
    let resolved = params;
    void (async () => {
      try {
        const page = await apiGet<SearchResult>('/api/v1/search', { ...params, limit: PAGE }, abort.signal);
        if (mine !== generation.current) return;
        shown.current = new Set(page.hits.map((h) => h.id));
        // `now-15m` resolved once, by the server: every later count is over the very window the rows came from.
        resolved = { ...params, ...page.window };
        setSearched(page.window);
        setHits(page.hits);
        setTotal(page.total);
        cursor.current = page.next_cursor;
        setStage('rows');
      } catch (err) {
        if (abort.signal.aborted) return;
        setHits([]);
        setTotal(undefined);
        setError(problem(err));
        setStage('error');
        return;
      } finally {
        if (mine === generation.current) paging.current = false;
      }
      try {
        const chart = await apiGet<HistogramResult>(
          '/api/v1/histogram',
          { ...resolved, interval: 'auto', by: byRef.current },
          abort.signal,
        );
        if (mine === generation.current) setHistogram(chart);
      } catch {
        // No chart is shown; the rows and the facets still are.
      }
      if (mine === generation.current) setStage('done');
    })();
    return () => abort.abort();
  }, [key]);

  // Another stacking redraws only the chart.
  const stackedBy = useRef(by);
  useEffect(() => {
    if (stackedBy.current === by) return;
    stackedBy.current = by;
    if (stage !== 'done') return;
    const abort = new AbortController();
    apiGet<HistogramResult>('/api/v1/histogram', { ...params, ...searched, interval: 'auto', by }, abort.signal).then(
      (chart) => setHistogram(withLiveEvents(chart, live, by)),
      () => undefined,
    );
    return () => abort.abort();
  }, [by]);

  const more = () => {
    if (paging.current || !cursor.current) return;
    paging.current = true;
    const mine = generation.current;
    apiGet<SearchResult>('/api/v1/search', { ...params, ...searched, limit: PAGE, cursor: cursor.current })
      .then((page) => {
        if (mine !== generation.current) return;
        for (const h of page.hits) shown.current.add(h.id);
        setHits((prev) => [...prev, ...page.hits]);
        cursor.current = page.next_cursor;
      })
      .catch(() => undefined)
      .finally(() => {
        if (mine === generation.current) paging.current = false;
      });
  };

  const addLive = (fresh: Hit[]) => {
    // Newest first, like the list; events already shown (same id) are not counted twice.
    const added = fresh.filter((h) => !shown.current.has(h.id));
    if (added.length === 0) return;
    for (const h of added) shown.current.add(h.id);
    setHits((prev) => [...[...added].reverse(), ...prev].slice(0, MAX_ROWS));
    setTotal((t) => (t ? { ...t, value: t.value + added.length } : t));
    setHistogram((h) => (h ? withLiveEvents(h, added, byRef.current) : h));
    setLive((prev) => [...prev, ...added]);
  };

  return {
    hits,
    total,
    histogram,
    error,
    stage,
    hasMore: cursor.current !== null,
    more,
    live,
    addLive,
    window: searched,
  };
}
