import type { ErrorBody } from '../../../protocol/error-body';

/** An API error with its stable code and, for queries, the position of the problem. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly position?: number,
  ) {
    super(message);
  }
}

export type Params = Record<string, string | number | readonly string[] | undefined>;

function withParams(path: string, params: Params): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === '') continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, String(v));
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

async function parse<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const body = (await res.json().catch(() => undefined)) as T | ErrorBody | undefined;
  if (!res.ok) {
    const error = (body as ErrorBody | undefined)?.error;
    const position = typeof error?.position === 'number' ? error.position : undefined;
    throw new ApiError(res.status, error?.code ?? 'HTTP_ERROR', error?.message ?? `HTTP ${res.status}`, position);
  }
  return body as T;
}

/** GET an API path; the session cookie authenticates (same origin only). */
export async function apiGet<T>(path: string, params: Params = {}, signal?: AbortSignal): Promise<T> {
  return parse<T>(await fetch(withParams(path, params), { credentials: 'same-origin', signal }));
}

/**
 * POST/PUT/DELETE JSON to an API path. The X-Logship-UI header lets the session cookie authorise writes on the
 * routes that accept them (alert rules); another site's page cannot send it.
 */
export async function apiSend<T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { 'x-logship-ui': '1', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return parse<T>(res);
}
