import { useEffect, useState } from 'preact/hooks';
import { ApiError, apiGet, type Params } from '../api/client';
import type { Pattern, PatternsResult } from '../api/types';
import { Sparkline } from './sparkline';

type SortBy = 'count' | 'surge';

/** The pattern text with its placeholders set apart; log text stays text (never HTML). */
function PatternText({ text }: { text: string }) {
  const parts = text.split('<*>');
  return (
    <span class="pattern-text">
      {parts.map((part, i) => (
        <>
          {part}
          {i < parts.length - 1 && <span class="placeholder">&lt;*&gt;</span>}
        </>
      ))}
    </span>
  );
}

function change(p: Pattern): string {
  if (p.previous_count === undefined) return '';
  if (p.new) return 'new';
  return `${p.previous_count.toLocaleString()} → ${p.count.toLocaleString()}`;
}

/**
 * The Patterns tab: the kinds of message in the current query and window, most frequent or most surging first
 * (against the window of the same length before), each with a sparkline over the window; a click filters the search
 * to a pattern or excludes it.
 */
export function PatternsPanel({ filter, onClause }: { filter: Params; onClause: (clause: string) => void }) {
  const [sort, setSort] = useState<SortBy>('count');
  const [result, setResult] = useState<PatternsResult | undefined>();
  const [error, setError] = useState('');
  const key = JSON.stringify(filter);
  useEffect(() => {
    const abort = new AbortController();
    setError('');
    apiGet<PatternsResult>('/api/v1/patterns', { ...filter, compare: 'previous', sort, limit: 200 }, abort.signal).then(
      setResult,
      (err: unknown) => {
        if (abort.signal.aborted) return;
        setResult(undefined);
        setError(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));
      },
    );
    return () => abort.abort();
  }, [key, sort]);
  if (error) return <p class="error">{error}</p>;
  if (!result) return <p class="loading">Finding patterns…</p>;
  return (
    <div class="patterns">
      <div class="patterns-head">
        <span class="patterns-summary" aria-live="polite">
          {result.patterns.length + result.more} patterns in {result.total.toLocaleString()} events
          {result.sampled ? ` (from a sample of ${result.sample_size.toLocaleString()}; counts estimated)` : ''}
          {result.time_limited ? ' — cut short by the time limit' : ''}
        </span>
        <label>
          sort by{' '}
          <select aria-label="Sort patterns" value={sort} onChange={(e) => setSort(e.currentTarget.value as SortBy)}>
            <option value="count">count</option>
            <option value="surge">surge</option>
          </select>
        </label>
      </div>
      <table class="patterns-table">
        <thead>
          <tr>
            <th>count</th>
            <th>share</th>
            <th>before → now</th>
            <th>over the window</th>
            <th>pattern</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {result.patterns.map((p) => (
            <tr key={p.id} data-pattern={p.id} class={p.surging || p.new ? 'surging' : undefined}>
              <td class="num">{p.count.toLocaleString()}</td>
              <td class="num">{(p.share * 100).toFixed(1)}%</td>
              <td class="change">
                {change(p)}
                {p.surging && !p.new && <span class="badge"> ×{p.surge}</span>}
              </td>
              <td>
                <Sparkline counts={p.histogram} label={`${p.count} events over the window`} />
              </td>
              <td title={p.example.message}>
                <PatternText text={p.pattern} />
              </td>
              <td class="pattern-actions">
                <button
                  type="button"
                  class="pattern-filter"
                  disabled={p.query === null}
                  title="Show only these events"
                  onClick={() => p.query && onClause(`(${p.query})`)}
                >
                  filter
                </button>
                <button
                  type="button"
                  class="pattern-exclude"
                  disabled={p.query === null}
                  title="Hide these events"
                  onClick={() => p.query && onClause(`NOT (${p.query})`)}
                >
                  exclude
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
