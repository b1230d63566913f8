import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Hit } from '../api/types';
import { ChartControls } from '../components/chart-controls';
import { ChartLegend } from '../components/chart-legend';
import { chartSeries } from '../components/chart-series';
import { DownloadLinks } from '../components/download-links';
import { EventDetails } from '../components/event-details';
import { FacetSidebar } from '../components/facet-sidebar';
import { HistogramChart } from '../components/histogram-chart';
import { useKeyboard } from '../components/keyboard';
import { useLiveTail } from '../components/live-tail';
import { highlightTerms } from '../components/message-text';
import { usePaletteVersion } from '../components/palette';
import { PatternsPanel } from '../components/patterns-panel';
import { QueryBar } from '../components/query-bar';
import { ResultList } from '../components/result-list';
import { TimeRange } from '../components/time-range';
import { addClause, excludeValue, fieldClause } from '../query/query-clauses';
import { useSearchResults } from '../state/search-results';
import { navigate, useViewState, viewSearch, type StackBy } from '../state/url-state';
import { endsNow, sameLengthEndingNow } from '../time/time-range-math';

/** Search across every server: query, time range, stacked histogram, facets, results, event details, live tail. */
export function SearchPage() {
  const [view, setView] = useViewState();
  const [selected, setSelected] = useState(-1);
  const [tail, setTail] = useState(false);
  const [away, setAway] = useState(false);
  const [hovered, setHovered] = useState<number | null>(null);
  const [facetsOpen, setFacetsOpen] = useState(false);
  const paletteVersion = usePaletteVersion();
  const filter = { q: view.q, from: view.from, to: view.to, hosts: view.hosts };
  const results = useSearchResults(filter, view.by);
  const terms = highlightTerms(view.q);
  const series = useMemo(
    () => (results.histogram ? chartSeries(results.histogram, view.by) : []),
    [results.histogram, view.by, paletteVersion],
  );

  useEffect(() => setSelected(-1), [JSON.stringify(filter)]);
  // Live tail belongs to ranges that end now: a fixed range stops it, so no count on the page runs ahead of the others.
  useEffect(() => {
    if (!endsNow(view.to)) setTail(false);
  }, [view.to]);

  const tailParams = new URLSearchParams();
  if (view.q) tailParams.set('q', view.q);
  for (const h of view.hosts) tailParams.append('host', h);
  const tailQuery = tailParams.size ? `?${tailParams.toString()}` : '';
  const { heldCount, release } = useLiveTail(tail && results.stage !== 'error', tailQuery, away, results.addLive);
  useEffect(() => {
    if (!away) release();
  }, [away]);

  const toggleTail = () => {
    if (tail) return setTail(false);
    if (!endsNow(view.to)) setView({ ...view, ...sameLengthEndingNow(view.from, view.to), event: '' });
    setTail(true);
  };
  const openContext = (hit: Hit | string) => {
    const id = typeof hit === 'string' ? hit : hit.id;
    navigate(`/context/${encodeURIComponent(id)}${viewSearch({ ...view, event: '' })}`);
  };
  const openDetails = (hit: Hit) => setView({ ...view, event: hit.id });
  const onValue = (field: string, value: string | number | boolean, exclude: boolean) =>
    setView({
      ...view,
      q:
        exclude && typeof value !== 'boolean'
          ? excludeValue(view.q, field, value)
          : addClause(view.q, fieldClause(field, value, exclude)),
    });
  const { hits } = results;
  useKeyboard({
    j: () => setSelected((s) => Math.min(s + 1, hits.length - 1)),
    k: () => setSelected((s) => Math.max(s - 1, 0)),
    '/': () => document.getElementById('q')?.focus(),
    e: () => {
      const next = hits.findIndex((h, i) => i > selected && (h.level === 'error' || h.level === 'fatal'));
      if (next >= 0) setSelected(next);
    },
    c: () => hits[selected] && openContext(hits[selected]),
    o: () => hits[selected] && openDetails(hits[selected]),
    Enter: () => hits[selected] && openDetails(hits[selected]),
    Escape: () => view.event && setView({ ...view, event: '' }),
    t: toggleTail,
  });

  const { total } = results;
  // What the search looked at, with the range it resolved to: downloads and patterns cover the very same events.
  const searched = results.window && { q: view.q, ...results.window, host: view.hosts };
  return (
    <>
      <div class="toolbar">
        <QueryBar
          q={view.q}
          filter={{ from: view.from, to: view.to }}
          error={results.error}
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
          onClick={toggleTail}
          title={endsNow(view.to) ? 'Live tail (t)' : 'Live tail (t): moves the range to end now'}
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
      <div class={view.event ? 'search-body with-details' : 'search-body'}>
        <FacetSidebar
          filter={{ ...filter, ...results.window }}
          range={{ from: view.from, to: view.to }}
          enabled={results.stage === 'done'}
          failed={results.stage === 'error'}
          live={results.live}
          extra={view.facets}
          open={facetsOpen}
          onQuery={(q) => setView({ ...view, q })}
          onFacets={(facets) => setView({ ...view, facets })}
        />
        <section class="search-main">
          <div class="chart-head">
            <span class="summary" aria-live="polite">
              {total ? `${total.value.toLocaleString('en-US')}${total.relation === 'gte' ? '+' : ''} events` : ''}
            </span>
            {searched && <DownloadLinks filter={searched} />}
            <button
              type="button"
              class="facets-toggle"
              aria-expanded={facetsOpen}
              onClick={() => setFacetsOpen(!facetsOpen)}
            >
              Filters
            </button>
            <ChartControls from={view.from} to={view.to} onRange={(r) => setView({ ...view, ...r })} />
            <label class="stack-by">
              stack by{' '}
              <select value={view.by} onChange={(e) => setView({ ...view, by: e.currentTarget.value as StackBy })}>
                <option value="host">host</option>
                <option value="level">level</option>
                <option value="service">service</option>
              </select>
            </label>
          </div>
          {results.histogram && (
            <div class="chart" data-palette={paletteVersion}>
              <HistogramChart
                key={paletteVersion}
                data={results.histogram}
                series={series}
                tz={view.tz}
                onZoom={(from, to) => setView({ ...view, from, to })}
                onHover={setHovered}
              />
              <ChartLegend data={results.histogram} series={series} hovered={hovered} tz={view.tz} />
            </div>
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
            searched ? (
              <PatternsPanel
                filter={searched}
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
              <p class="loading">Finding patterns…</p>
            )
          ) : (
            <ResultList
              hits={hits}
              hasMore={results.hasMore}
              onMore={results.more}
              selected={selected}
              tz={view.tz}
              terms={terms}
              onHost={(host) => !view.hosts.includes(host) && setView({ ...view, hosts: [...view.hosts, host] })}
              onContext={openContext}
              onOpen={openDetails}
              onScrolledAway={setAway}
            />
          )}
        </section>
        {view.event && (
          <EventDetails
            id={view.event}
            tz={view.tz}
            onValue={onValue}
            onContext={openContext}
            onClose={() => setView({ ...view, event: '' })}
          />
        )}
      </div>
    </>
  );
}
