import { useEffect, useState } from 'preact/hooks';
import { apiGet, type Params } from '../api/client';

const FACETS = [
  ['host', 'Host'],
  ['service', 'Service'],
  ['level', 'Level'],
  ['source', 'Source'],
] as const;

interface TopValues {
  values: { value: string | number; count: number }[];
}

/** A query clause for one field value, quoted so spaces, slashes and quotes in values stay literal. */
export function fieldClause(field: string, value: string, exclude: boolean): string {
  return `${exclude ? '-' : ''}${field}:"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Adds a clause to a query with AND, keeping the user's query intact in parentheses when it has OR. */
export function addClause(q: string, clause: string): string {
  const trimmed = q.trim();
  if (!trimmed) return clause;
  return /\bOR\b/.test(trimmed) ? `(${trimmed}) AND ${clause}` : `${trimmed} AND ${clause}`;
}

/** Exact counts of the top values of host, service, level and source for the current search; click to filter. */
export function FacetSidebar({ params, onClause }: { params: Params; onClause: (clause: string) => void }) {
  const [facets, setFacets] = useState<Record<string, TopValues['values']>>({});
  const key = JSON.stringify(params);
  useEffect(() => {
    const abort = new AbortController();
    for (const [field] of FACETS) {
      apiGet<TopValues>(`/api/v1/fields/${field}/top`, { ...params, size: 10 }, abort.signal).then(
        (top) => setFacets((prev) => ({ ...prev, [field]: top.values })),
        () => undefined,
      );
    }
    return () => abort.abort();
  }, [key]);
  return (
    <aside class="facets" aria-label="Facets">
      {FACETS.map(([field, label]) => (
        <section key={field} data-facet={field}>
          <h3>{label}</h3>
          <ul>
            {(facets[field] ?? []).map(({ value, count }) => (
              <li key={String(value)}>
                <button
                  type="button"
                  class="facet-include"
                  title={`Only ${field} ${String(value)}`}
                  onClick={() => onClause(fieldClause(field, String(value), false))}
                >
                  <span class="facet-value">{String(value)}</span>
                  <span class="facet-count">{count.toLocaleString()}</span>
                </button>
                <button
                  type="button"
                  class="facet-exclude"
                  title={`Without ${field} ${String(value)}`}
                  onClick={() => onClause(fieldClause(field, String(value), true))}
                >
                  −
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </aside>
  );
}
