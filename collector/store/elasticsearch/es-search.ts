import type { Client, estypes } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { compileElasticsearch } from '../../query/compile-elasticsearch.js';
import { toHit, type EcsDocument } from '../ecs-document.js';
import type { SearchPage, SearchRequest, SortKey } from '../log-store.js';
import { guardEs } from './es-errors.js';
import { searchPattern } from './index-templates.js';

export interface EsSearchOptions {
  indexPrefix: string;
  searchTimeoutMs: number;
  exactTotalUpTo: number;
}

/** The read path from Elasticsearch: every query is compiled from the AST, bounded by a timeout. */
export class EsSearch {
  constructor(
    private readonly client: Client,
    private readonly options: EsSearchOptions,
    private readonly logger: Logger,
  ) {}

  async search(request: SearchRequest): Promise<SearchPage> {
    const order = request.order;
    const sort: estypes.Sort = [
      { '@timestamp': { order } },
      { 'host.name': { order, missing: order === 'asc' ? '_first' : '_last' } },
      { 'log.file.path': { order, missing: order === 'asc' ? '_first' : '_last' } },
      { 'log.offset': { order, missing: order === 'asc' ? '_first' : '_last' } },
      { 'event.id': { order } },
    ];
    const response = await guardEs(this.logger, () =>
      this.client.search<EcsDocument>({
        index: searchPattern(this.options.indexPrefix),
        ignore_unavailable: true,
        allow_no_indices: true,
        timeout: `${this.options.searchTimeoutMs}ms`,
        size: request.limit,
        track_total_hits: this.options.exactTotalUpTo,
        sort,
        ...(request.after ? { search_after: [...request.after] as estypes.SortResults } : {}),
        query: {
          bool: {
            filter: [
              { range: { '@timestamp': { gte: request.from.toISOString(), lte: request.to.toISOString() } } },
              compileElasticsearch(request.query) as estypes.QueryDslQueryContainer,
            ],
          },
        },
      }),
    );
    const hits = response.hits.hits.map((h) => toHit(h._id!, h._source!));
    const last = response.hits.hits.at(-1);
    const total = response.hits.total;
    const totalValue = typeof total === 'number' ? total : (total?.value ?? hits.length);
    const relation = typeof total === 'object' && total.relation === 'gte' ? 'gte' : 'eq';
    return {
      hits,
      lastKey: hits.length === request.limit && last?.sort ? (last.sort as SortKey) : null,
      total: { value: totalValue, relation },
      tookMs: response.took,
    };
  }
}
