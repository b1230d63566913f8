import { request } from 'undici';
import type { ErrorBody } from '../protocol/error-body.js';
import type { SearchResult } from '../protocol/search.js';
import { CodedError } from '../protocol/coded-error.js';

/** Parameters of `/api/v1/search`; arrays repeat the key. */
export type SearchQuery = Record<string, string | number | string[] | undefined>;

/** A small client of the collector's read API for the CLI. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  /** One page of search results. */
  async search(query: SearchQuery): Promise<SearchResult> {
    const url = new URL('/api/v1/search', this.baseUrl);
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(v));
    }
    const res = await request(url, {
      headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const body = (await res.body.json()) as SearchResult | ErrorBody;
    if (res.statusCode !== 200) {
      const error = (body as ErrorBody).error;
      throw new CodedError(
        error?.code ?? 'HTTP_ERROR',
        `The collector answered ${res.statusCode}: ${error?.message ?? ''}`,
        res.statusCode,
      );
    }
    return body as SearchResult;
  }
}
