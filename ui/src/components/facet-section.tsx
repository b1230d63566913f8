import { useEffect, useState } from 'preact/hooks';
import { apiGet } from '../api/client';
import type { RequestQueue } from '../api/request-queue';
import type { Hit, TopValues } from '../api/types';
import { excludeValue, selectedValues, toggleValue, unexcludeValue, withoutSelection } from '../query/query-clauses';
import { hitValue } from '../state/hit-value';

export interface FacetFilter {
  q: string;
  from: string;
  to: string;
  hosts: string[];
}

interface Props {
  field: string;
  label: string;
  filter: FacetFilter;
  /** False until the rows are painted, and after a query error: then nothing is asked for nor offered. */
  enabled: boolean;
  queue: RequestQueue;
  /** Events that live tail added since the counts were read: they are counted in, so every count moves together. */
  live: Hit[];
  onQuery: (q: string) => void;
  onRemove?: () => void;
}

const SIZE = 10;

/**
 * One field's top values with exact counts. Several values can be selected at once (ORed in one clause); counts are
 * read without the field's own selection, so the other values stay there to add. − excludes a value.
 */
export function FacetSection({ field, label, filter, enabled, queue, live, onQuery, onRemove }: Props) {
  const [top, setTop] = useState<TopValues | undefined>();
  const [failed, setFailed] = useState('');
  const countQuery = withoutSelection(filter.q, field);
  const key = JSON.stringify([field, countQuery, filter.from, filter.to, filter.hosts, enabled]);
  useEffect(() => {
    setTop(undefined);
    setFailed('');
    if (!enabled) return;
    const abort = new AbortController();
    const params = { q: countQuery, from: filter.from, to: filter.to, host: filter.hosts, size: SIZE };
    queue
      .run(
        () => apiGet<TopValues>(`/api/v1/fields/${encodeURIComponent(field)}/top`, params, abort.signal),
        abort.signal,
      )
      .then(setTop, (err: unknown) => {
        if (!abort.signal.aborted) setFailed(err instanceof Error ? err.message : String(err));
      });
    return () => abort.abort();
  }, [key]);

  // Nothing is listed until the counts are in: a selected value shown meanwhile would read "0".
  const ready = enabled && top !== undefined;
  const { included, excluded } = ready ? selectedValues(filter.q, field) : { included: [], excluded: [] };
  const counts = new Map<string, { value: string | number; count: number }>();
  for (const v of top?.values ?? []) counts.set(String(v.value), { ...v });
  // A list shorter than asked for is every value there is, so a new value from live tail belongs in it too.
  const complete = top !== undefined && top.values.length < SIZE && top.other === 0;
  for (const hit of top ? live : []) {
    const value = hitValue(hit, field);
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    const entry = counts.get(String(value));
    if (entry) entry.count++;
    else if (complete) counts.set(String(value), { value, count: 1 });
  }
  for (const v of included) if (!counts.has(v)) counts.set(v, { value: v, count: 0 });
  const rows = [...counts.values()].sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)));

  return (
    <section data-facet={field}>
      <h3>
        <span>{label}</span>
        {onRemove && (
          <button type="button" class="facet-remove" title={`Remove the ${field} facet`} onClick={onRemove}>
            ✕
          </button>
        )}
      </h3>
      {failed && <p class="facet-failed">{failed}</p>}
      <ul>
        {ready &&
          rows.map(({ value, count }) => {
            const selected = included.includes(String(value));
            return (
              <li key={String(value)}>
                <button
                  type="button"
                  class="facet-include"
                  aria-pressed={selected}
                  title={selected ? `Deselect ${String(value)}` : `Select ${field} ${String(value)} (several: OR)`}
                  onClick={() => onQuery(toggleValue(filter.q, field, value))}
                >
                  <span class="facet-value">{String(value)}</span>
                  <span class="facet-count">{count.toLocaleString('en-US')}</span>
                </button>
                <button
                  type="button"
                  class="facet-exclude"
                  title={`Without ${field} ${String(value)}`}
                  onClick={() => onQuery(excludeValue(filter.q, field, value))}
                >
                  −
                </button>
              </li>
            );
          })}
        {ready &&
          excluded.map((value) => (
            <li key={`not-${value}`} class="excluded">
              <button
                type="button"
                class="facet-unexclude"
                title={`Take back: without ${field} ${value}`}
                onClick={() => onQuery(unexcludeValue(filter.q, field, value))}
              >
                <span class="facet-value">{value}</span>
                <span class="facet-count">excluded ✕</span>
              </button>
            </li>
          ))}
      </ul>
      {top && !top.exact && <p class="facet-note">approximate counts</p>}
    </section>
  );
}
