import { useEffect, useMemo, useState } from 'preact/hooks';
import { fieldNames } from '../api/field-list';
import { RequestQueue } from '../api/request-queue';
import type { Hit } from '../api/types';
import { FacetSection, type FacetFilter } from './facet-section';

/** The facets every search shows; more are added from the field list. */
const DEFAULT_FACETS = [
  ['host', 'Host'],
  ['service', 'Service'],
  ['level', 'Level'],
  ['source', 'Source'],
] as const;

const DEFAULT_NAMES = new Set<string>([
  'host',
  'host.name',
  'service',
  'service.name',
  'level',
  'log.level',
  'source',
  'log.file.path',
]);
/** Full text has no values to count. */
const NOT_FACETS = new Set(['message', '@timestamp', 'event.original_base64']);

interface Props {
  filter: FacetFilter;
  /** The range as the view names it (`now-15m`): the field list is asked for once per range, not per search. */
  range: { from: string; to: string };
  enabled: boolean;
  /** The search was refused (a syntax error): no counts of an earlier query may stay on screen to click. */
  failed: boolean;
  live: Hit[];
  extra: string[];
  open: boolean;
  onQuery: (q: string) => void;
  onFacets: (fields: string[]) => void;
}

/** Facets with exact counts: the four main fields and any field added from the list of stored fields. */
export function FacetSidebar({ filter, range, enabled, failed, live, extra, open, onQuery, onFacets }: Props) {
  const queue = useMemo(() => new RequestQueue(2), []);
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    if (enabled) void fieldNames(range.from, range.to).then(setNames);
  }, [enabled, range.from, range.to]);
  const addable = names.filter((n) => !NOT_FACETS.has(n) && !DEFAULT_NAMES.has(n) && !extra.includes(n));
  const common = { filter, enabled, queue, live, onQuery };
  return (
    <aside class={open ? 'facets open' : 'facets'} aria-label="Facets">
      {DEFAULT_FACETS.map(([field, label]) => (
        <FacetSection key={field} field={field} label={label} {...common} />
      ))}
      {extra.map((field) => (
        <FacetSection
          key={field}
          field={field}
          label={field}
          {...common}
          onRemove={() => onFacets(extra.filter((f) => f !== field))}
        />
      ))}
      {enabled && addable.length > 0 && (
        <select
          class="add-facet"
          aria-label="Add a facet"
          value=""
          onChange={(e) => e.currentTarget.value && onFacets([...extra, e.currentTarget.value])}
        >
          <option value="">+ facet on a field…</option>
          {addable.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      )}
      {failed && <p class="facet-note">No facets: the search was refused.</p>}
    </aside>
  );
}
