import { pipeline } from 'node:stream/promises';
import { request, type Dispatcher } from 'undici';
import type { Hit } from '../protocol/event.js';
import type { ErrorBody } from '../protocol/error-body.js';
import type { SearchResult } from '../protocol/search.js';
import type { ServiceStatus } from '../protocol/status.js';
import { CodedError } from '../protocol/coded-error.js';
import { tlsError } from './client-tls.js';
import { readSse } from './sse-reader.js';

/** Parameters of `/api/v1/search`; arrays repeat the key. */
export type SearchQuery = Record<string, string | number | string[] | undefined>;

/** Longest pause between two reconnects of a live tail. */
const MAX_RECONNECT_MS = 30_000;

/** A small client of the collector's read API for the CLI. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string | undefined,
    /** TLS options for the collector (client/client-tls.ts); the default dispatcher otherwise. */
    private readonly dispatcher?: Dispatcher,
  ) {}

  /** undici's request with this client's dispatcher; a TLS failure becomes a coded error that ends the command. */
  private async request(
    url: URL,
    options: Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & { method?: Dispatcher.HttpMethod },
  ) {
    try {
      return await request(url, { ...options, ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}) });
    } catch (err) {
      throw tlsError(err, this.baseUrl) ?? err;
    }
  }

  /** One page of search results. */
  search(query: SearchQuery): Promise<SearchResult> {
    return this.getJson<SearchResult>('/api/v1/search', query);
  }

  /** A JSON request to any API path; a non-2xx answer becomes a coded error with the collector's code. */
  async json<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const res = await this.request(new URL(path, this.baseUrl), {
      method,
      headers: { ...this.headers(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const text = await res.body.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a proxy's error page): the status says what happened.
    }
    if (res.statusCode < 200 || res.statusCode >= 300) throw httpError(res.statusCode, parsed as ErrorBody);
    return parsed as T;
  }

  /** `/api/v1/events/{id}/context`: the events around one event (aligned by clock offsets with `align=clocks`). */
  context(id: string, query: SearchQuery): Promise<unknown> {
    return this.getJson<unknown>(`/api/v1/events/${encodeURIComponent(id)}/context`, query);
  }

  /** `/api/v1/status`: the service on one screen. */
  status(): Promise<ServiceStatus> {
    return this.getJson<ServiceStatus>('/api/v1/status', {});
  }

  /** A GET of the read API answering JSON; an error answer becomes a coded error. */
  private async getJson<T>(path: string, query: SearchQuery): Promise<T> {
    const res = await this.request(this.url(path, query), {
      headers: this.headers(),
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const body = (await res.body.json()) as unknown;
    if (res.statusCode !== 200) throw httpError(res.statusCode, body as ErrorBody);
    return body as T;
  }

  /**
   * Streams `/api/v1/export` (every matching event, NDJSON or CSV) into `out`, honouring its backpressure. Answers
   * the collector's `X-Logship-Total` and `X-Logship-Limit`, so the caller can tell a capped export.
   */
  async export(query: SearchQuery, out: NodeJS.WritableStream): Promise<{ total: string; limit: number }> {
    const res = await this.request(this.url('/api/v1/export', query), {
      headers: this.headers(),
      headersTimeout: 60_000,
      bodyTimeout: 120_000,
    });
    if (res.statusCode !== 200) {
      const body = (await res.body.json().catch(() => ({}))) as ErrorBody;
      throw httpError(res.statusCode, body);
    }
    await pipeline(res.body, out, { end: false });
    return {
      total: String(res.headers['x-logship-total'] ?? ''),
      limit: Number(res.headers['x-logship-limit'] ?? 0),
    };
  }

  /**
   * Follows `/api/v1/tail` until `signal` aborts, calling `onHit` for each new event. A dropped stream is
   * reconnected with `Last-Event-ID`, so nothing is missed or printed twice; auth and query errors end it.
   */
  async tail(
    query: SearchQuery,
    onHit: (hit: Hit) => void,
    signal?: AbortSignal,
    /** Called each time the stream is (re)opened: from then on, every new event is delivered. */
    onOpen?: () => void,
  ): Promise<void> {
    let lastEventId: string | undefined;
    for (let attempt = 0; !signal?.aborted; attempt++) {
      try {
        const res = await this.request(this.url('/api/v1/tail', query), {
          headers: {
            ...this.headers(),
            accept: 'text/event-stream',
            ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
          },
          // The server sends a comment at least every 15 s; a minute of silence means the stream is dead.
          bodyTimeout: 60_000,
          ...(signal ? { signal } : {}),
        });
        if (res.statusCode !== 200) {
          const body = (await res.body.json().catch(() => ({}))) as ErrorBody;
          const err = httpError(res.statusCode, body);
          if (res.statusCode !== 429 && res.statusCode < 500) throw err;
          throw Object.assign(err, { retry: true });
        }
        attempt = 0;
        onOpen?.();
        for await (const frame of readSse(res.body)) {
          // The id first: a new stream's start comes as an id alone, and a reconnect must resume there.
          if (frame.id !== undefined) lastEventId = frame.id;
          if (frame.data === undefined || frame.event === 'error') continue;
          onHit(JSON.parse(frame.data) as Hit);
        }
      } catch (err) {
        if (signal?.aborted) return;
        if (err instanceof CodedError && !(err as { retry?: boolean }).retry) throw err;
      }
      const wait = Math.min(MAX_RECONNECT_MS, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  private url(path: string, query: SearchQuery): URL {
    const url = new URL(path, this.baseUrl);
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(v));
    }
    return url;
  }

  private headers(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }
}

function httpError(status: number, body: ErrorBody): CodedError {
  const error = body?.error;
  return new CodedError(
    error?.code ?? 'HTTP_ERROR',
    `The collector answered ${status}: ${error?.message ?? ''}`,
    status,
  );
}
