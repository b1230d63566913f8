import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, apiGet, type Params } from '../api/client';
import type { Hit, HistogramResult, SearchResult } from '../api/types';
import { DownloadLinks } from '../components/download-links';
import { addClause, FacetSidebar } from '../components/facet-sidebar';
import { HistogramChart } from '../components/histogram-chart';
import { useKeyboard } from '../components/keyboard';
import { useLiveTail } from '../components/live-tail';
import { highlightTerms } from '../components/message-text';
import { PatternsPanel } from '../components/patterns-panel';
import { QueryBar } from '../components/query-bar';
import { ResultList } from '../components/result-list';
import { TimeRange } from '../components/time-range';
import { navigate, useViewState, viewSearch, type StackBy } from '../state/url-state';

const PAGE = 200;
/** Live tail keeps the newest events only, so an open tab cannot grow without bound. */
const MAX_ROWS = 20_000;

/** Search across every server: query, time range, stacked histogram, facets, results, live tail. */
export function SearchPage() {
  const [view, setView] = useViewState();
  const [hits, setHits] = useState<Hit[]>([]);
  const [total, setTotal] = useState<SearchResult['total'] | undefined>();
  const [histogram, setHistogram] = useState<HistogramResult | undefined>();
  const [error, setError] = useState<{ message: string; position?: number } | undefined>();
  const [selected, setSelected] = useState(-1);
  const [tail, setTail] = useState(false);
  const [away, setAway] = useState(false);
  const cursor = useRef<string | null>(null);
  const loading = useRef(false);
  const generation = useRef(0);

  const filter: Params = { q: view.q, from: view.from, to: view.to, host: view.hosts };
  const filterKey = JSON.stringify(filter);
  const terms = highlightTerms(view.q);

  useEffect(() => {
    const mine = ++generation.current;
    const abort = new AbortController();
    cursor.current = null;
    loading.current = true;
    setError(undefined);
    setSelected(-1);
    apiGet<SearchResult>('/api/v1/search', { ...filter, limit: PAGE }, abort.signal)
      .then((page) => {
        if (mine !== generation.current) return;
        setHits(page.hits);
        setTotal(page.total);
        cursor.current = page.next_cursor;
      })
      .catch((err: unknown) => {
        if (abort.signal.aborted) return;
        setHits([]);
        setTotal(undefined);
        setError(
          err instanceof ApiError
            ? { message: `${err.code}: ${err.message}`, position: err.position }
            : { message: String(err) },
        );
      })
      .finally(() => {
        if (mine === generation.current) loading.current = false;
      });
    return () => abort.abort();
  }, [filterKey]);

  useEffect(() => {
    const abort = new AbortController();
    apiGet<HistogramResult>('/api/v1/histogram', { ...filter, interval: 'auto', by: view.by }, abort.signal).then(
      setHistogram,
      () => setHistogram(undefined),
    );
    return () => abort.abort();
  }, [filterKey, view.by]);

  const more = () => {
    if (loading.current || !cursor.current) return;
    loading.current = true;
    const mine = generation.current;
    apiGet<SearchResult>('/api/v1/search', { ...filter, limit: PAGE, cursor: cursor.current })
      .then((page) => {
        if (mine !== generation.current) return;
        setHits((prev) => [...prev, ...page.hits]);
        cursor.current = page.next_cursor;
      })
      .finally(() => {
        if (mine === generation.current) loading.current = false;
      });
  };

  const tailParams = new URLSearchParams();
  if (view.q) tailParams.set('q', view.q);
  for (const h of view.hosts) tailParams.append('host', h);
  const tailQuery = tailParams.size ? `?${tailParams.toString()}` : '';
  const { heldCount, release } = useLiveTail(tail, tailQuery, away, (fresh) => {
    // Newest first, like the list; events already shown (same id) are not repeated.
    setHits((prev) => {
      const seen = new Set(prev.map((h) => h.id));
      const add = fresh.filter((h) => !seen.has(h.id)).reverse();
      setTotal((t) => (t ? { ...t, value: t.value + add.length } : t));
      return [...add, ...prev].slice(0, MAX_ROWS);
    });
  });

  // Back at the top: show what arrived meanwhile.
  useEffect(() => {
    if (!away) release();
  }, [away]);

  const openContext = (hit: Hit) =>
    navigate(`/context/${encodeURIComponent(hit.id)}${viewSearch({ ...view, q: '', hosts: [] })}`);
  useKeyboard({
    j: () => setSelected((s) => Math.min(s + 1, hits.length - 1)),
    k: () => setSelected((s) => Math.max(s - 1, 0)),
    '/': () => document.getElementById('q')?.focus(),
    e: () => {
      const next = hits.findIndex((h, i) => i > selected && (h.level === 'error' || h.level === 'fatal'));
      if (next >= 0) setSelected(next);
    },
    c: () => hits[selected] && openContext(hits[selected]),
    t: () => setTail((t) => !t),
  });

  return (
    <>
      <div class="toolbar">
        <QueryBar
          q={view.q}
          filter={{ from: view.from, to: view.to }}
          error={error}
          onSearch={(q) => setView({ ...view, q })}
        />
        <TimeRange
          from={view.from}
          to={view.to}
          tz={view.tz}
          onChange={(from, to, tz) => setView({ ...view, from, to, tz })}
        />
        <button
          type="button"
          class={tail ? 'live on' : 'live'}
          aria-pressed={tail}
          onClick={() => setTail(!tail)}
          title="Live tail (t)"
        >
          {tail ? '● Live' : 'Live'}
        </button>
      </div>
      {view.hosts.length > 0 && (
        <div class="filters">
          {view.hosts.map((h) => (
            <button
              type="button"
              class="filter"
              key={h}
              title="Remove filter"
              onClick={() => setView({ ...view, hosts: view.hosts.filter((x) => x !== h) })}
            >
              host: {h} ✕
            </button>
          ))}
        </div>
      )}
      <div class="search-body">
        <FacetSidebar params={filter} onClause={(clause) => setView({ ...view, q: addClause(view.q, clause) })} />
        <section class="search-main">
          <div class="chart-head">
            <span class="summary" aria-live="polite">
              {total ? `${total.value.toLocaleString()}${total.relation === 'gte' ? '+' : ''} events` : ''}
            </span>
            <DownloadLinks filter={filter} />
            <label>
              stack by{' '}
              <select value={view.by} onChange={(e) => setView({ ...view, by: e.currentTarget.value as StackBy })}>
                <option value="host">host</option>
                <option value="level">level</option>
                <option value="service">service</option>
              </select>
            </label>
          </div>
          {histogram && (
            <HistogramChart
              data={histogram}
              by={view.by}
              tz={view.tz}
              onZoom={(from, to) => setView({ ...view, from, to })}
            />
          )}
          {heldCount > 0 && (
            <button type="button" class="new-events" onClick={release}>
              {heldCount} new
            </button>
          )}
          <div class="segmented tabs" role="group" aria-label="Show">
            {(['results', 'patterns'] as const).map((tab) => (
              <button key={tab} type="button" aria-pressed={view.tab === tab} onClick={() => setView({ ...view, tab })}>
                {tab === 'results' ? 'Results' : 'Patterns'}
              </button>
            ))}
          </div>
          {view.tab === 'patterns' ? (
            <PatternsPanel
              filter={filter}
              // Filtering to a pattern shows its events; excluding one keeps the list of the others in view.
              onClause={(clause) =>
                setView({
                  ...view,
                  q: addClause(view.q, clause),
                  tab: clause.startsWith('NOT') ? 'patterns' : 'results',
                })
              }
            />
          ) : (
            <ResultList
              hits={hits}
              hasMore={cursor.current !== null}
              onMore={more}
              selected={selected}
              tz={view.tz}
              terms={terms}
              onHost={(host) => !view.hosts.includes(host) && setView({ ...view, hosts: [...view.hosts, host] })}
              onContext={openContext}
              onScrolledAway={setAway}
            />
          )}
        </section>
      </div>
    </>
  );
}
