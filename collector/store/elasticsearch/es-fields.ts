import { topValuesField } from '../field-catalogue.js';
import type { EventFilter, FieldInfo, TopValues, TopValuesRequest } from '../read-model.js';
import { eventQuery, type EsReadContext, searchEvents } from './es-read.js';
import { guardEs } from './es-errors.js';
import { searchPattern } from './index-templates.js';

/** Terms collected per shard before merging: below this many distinct values per shard the counts are exact. */
const SHARD_SIZE = 10_000;

/** `/fields` on Elasticsearch: the mapped fields of the indices holding events of the window. */
export async function esFields(ctx: EsReadContext, filter: EventFilter): Promise<FieldInfo[]> {
  const response = await guardEs(ctx.logger, () =>
    ctx.client.fieldCaps({
      index: searchPattern(ctx.indexPrefix),
      fields: '*',
      ignore_unavailable: true,
      allow_no_indices: true,
      index_filter: eventQuery({ kind: 'all' }, filter.from, filter.to),
    }),
  );
  const fields: FieldInfo[] = [];
  for (const [name, byType] of Object.entries(response.fields)) {
    const types = Object.keys(byType).filter((t) => t !== 'object' && t !== 'nested');
    if (name.startsWith('_') || types.length === 0) continue;
    fields.push({ name, type: types.sort().join('|') });
  }
  return fields.sort((a, b) => a.name.localeCompare(b.name));
}

/** `/fields/{name}/top` on Elasticsearch: a terms aggregation whose error bound proves the counts exact. */
export async function esTopValues(ctx: EsReadContext, request: TopValuesRequest): Promise<TopValues> {
  const field = topValuesField(request.field).name;
  const response = await searchEvents(
    ctx,
    {
      size: 0,
      track_total_hits: false,
      query: eventQuery(request.query, request.from, request.to),
      aggs: {
        top: {
          terms: {
            field,
            size: request.size,
            shard_size: Math.max(SHARD_SIZE, request.size),
            show_term_doc_count_error: true,
          },
        },
      },
    },
    request,
  );
  const top = response.aggregations?.top as
    | {
        buckets: { key: string | number; key_as_string?: string; doc_count: number }[];
        sum_other_doc_count?: number;
        doc_count_error_upper_bound?: number;
      }
    | undefined;
  return {
    values: (top?.buckets ?? []).map((b) => ({ value: b.key_as_string ?? b.key, count: b.doc_count })),
    other: top?.sum_other_doc_count ?? 0,
    exact: (top?.doc_count_error_upper_bound ?? 0) === 0,
  };
}
