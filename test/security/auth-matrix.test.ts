/**
 * Who may do what (issue 15, "the attack matrix"): every route against every kind of credential, UI sessions that
 * end with their token and at logout (item 5), a malformed cookie, Elasticsearch API paths and path traversal, on
 * both stores.
 */
import pino from 'pino';
import { createToken, revokeToken } from '../../collector/auth/token-store.js';
import { collectorConfig } from '../../collector/config.js';
import { startCollector, type RunningCollector } from '../../collector/main.js';
import { testEsUrl } from '../support/elasticsearch.js';
import { startSecurityCollector, STORES, type SecurityCollector } from './security-fixture.js';

type Scope = 'ingest' | 'read' | 'admin';

interface Route {
  method: string;
  path: string;
  needs: Scope;
  body?: string;
  type?: string;
}

const heartbeat = JSON.stringify({
  host: 'web-1',
  version: '1',
  started_at: new Date().toISOString(),
  sent_at: new Date().toISOString(),
  interval_s: 10,
  inputs: [],
  lag_bytes: 0,
});

const ROUTES: readonly Route[] = [
  {
    method: 'POST',
    path: '/api/v1/ingest',
    needs: 'ingest',
    body: '{"message":"matrix"}',
    type: 'application/x-ndjson',
  },
  { method: 'POST', path: '/api/v1/heartbeat', needs: 'ingest', body: heartbeat, type: 'application/json' },
  { method: 'POST', path: '/_bulk', needs: 'ingest', body: '{"index":{}}\n{"message":"matrix"}\n' },
  { method: 'POST', path: '/app/_bulk', needs: 'ingest', body: '{"index":{}}\n{"message":"matrix"}\n' },
  { method: 'POST', path: '/app/_doc', needs: 'ingest', body: '{"message":"matrix"}', type: 'application/json' },
  { method: 'PUT', path: '/app/_doc/m-1', needs: 'ingest', body: '{"message":"matrix"}', type: 'application/json' },
  { method: 'PUT', path: '/app/_create/m-2', needs: 'ingest', body: '{"message":"matrix"}', type: 'application/json' },
  { method: 'POST', path: '/app/doc', needs: 'ingest', body: '{"message":"matrix"}', type: 'application/json' },
  { method: 'GET', path: '/api/v1/search?q=matrix', needs: 'read' },
  { method: 'GET', path: '/api/v1/histogram', needs: 'read' },
  { method: 'GET', path: '/api/v1/fields', needs: 'read' },
  { method: 'GET', path: '/api/v1/fields/host/top', needs: 'read' },
  { method: 'GET', path: '/api/v1/events/no-such-id/context', needs: 'read' },
  { method: 'GET', path: '/api/v1/hosts', needs: 'read' },
  { method: 'GET', path: '/api/v1/tail', needs: 'read' },
  { method: 'GET', path: '/api/v1/deadletter', needs: 'admin' },
];

/** A credential as a client presents it. */
interface Credential {
  name: string;
  headers: Record<string, string>;
  /** The scope it carries; undefined for none or an unknown secret. */
  scope?: Scope;
  /** A session cookie counts only for reads (GET/HEAD). */
  cookie?: boolean;
  unknown?: boolean;
}

async function send(
  url: string,
  route: Route,
  headers: Record<string, string>,
): Promise<{ status: number; code?: string }> {
  const abort = new AbortController();
  const res = await fetch(`${url}${route.path}`, {
    method: route.method,
    headers: {
      ...(route.type ? { 'content-type': route.type } : { 'content-type': 'application/x-ndjson' }),
      ...headers,
    },
    ...(route.body === undefined ? {} : { body: route.body }),
    signal: abort.signal,
  });
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    abort.abort();
    return { status: res.status };
  }
  const text = await res.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    code = undefined;
  }
  return { status: res.status, ...(code ? { code } : {}) };
}

async function signIn(url: string, token: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  expect(res.status).toBe(204);
  const cookie = /logship_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  expect(cookie).toBeDefined();
  return `logship_session=${cookie!}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(STORES)('who may do what on the %s store', (store) => {
  let collector: SecurityCollector;
  beforeAll(async () => {
    collector = await startSecurityCollector(store, `auth-${store}`);
  });
  afterAll(async () => {
    await collector?.dispose();
  });

  it('answers every route by the credential: 401 without or with an unknown one, 403 for the wrong scope', async () => {
    const t = collector.tokens;
    const basic = (secret: string) => `Basic ${Buffer.from(`user:${secret}`).toString('base64')}`;
    const apiKey = (secret: string) => `ApiKey ${Buffer.from(`id:${secret}`).toString('base64')}`;
    const credentials: Credential[] = [
      { name: 'none', headers: {} },
      { name: 'unknown bearer', headers: { authorization: 'Bearer lsp_not-a-token' }, unknown: true },
      { name: 'unknown basic', headers: { authorization: basic('lsp_nope') }, unknown: true },
      { name: 'garbage scheme', headers: { authorization: 'Digest abc' } },
      ...(['ingest', 'read', 'admin'] as const).flatMap((scope): Credential[] => [
        { name: `${scope} bearer`, headers: { authorization: `Bearer ${t[scope]}` }, scope },
        { name: `${scope} apikey`, headers: { authorization: apiKey(t[scope]) }, scope },
        { name: `${scope} basic`, headers: { authorization: basic(t[scope]) }, scope },
      ]),
      { name: 'read session', headers: { cookie: await signIn(collector.url, t.read) }, scope: 'read', cookie: true },
      {
        name: 'admin session',
        headers: { cookie: await signIn(collector.url, t.admin) },
        scope: 'admin',
        cookie: true,
      },
      { name: 'garbled session', headers: { cookie: 'logship_session=%E0%A4%A' } },
    ];
    const wrong: string[] = [];
    let checked = 0;
    for (const route of ROUTES) {
      for (const credential of credentials) {
        const answer = await send(collector.url, route, credential.headers);
        const usable = credential.scope !== undefined && (!credential.cookie || route.method === 'GET');
        let expected: string;
        if (!usable) expected = credential.unknown ? '401 AUTH_INVALID' : '401 AUTH_MISSING';
        else if (credential.scope === 'admin' || credential.scope === route.needs) expected = 'allowed';
        else expected = credential.cookie ? '401 AUTH_MISSING' : '403 AUTH_FORBIDDEN';
        const got =
          answer.status === 401 || answer.status === 403
            ? `${answer.status} ${answer.code}`
            : answer.status < 500
              ? 'allowed'
              : `${answer.status}`;
        if (got !== expected)
          wrong.push(`${credential.name} → ${route.method} ${route.path}: ${got}, expected ${expected}`);
        checked++;
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe(ROUTES.length * credentials.length);
  });

  it('serves the probes, metrics and the API description without a credential', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/api/v1/openapi.json']) {
      expect([path, (await fetch(`${collector.url}${path}`)).status]).toEqual([path, 200]);
    }
  });

  it('ends a session when its token is revoked, even when a new token takes the same name', async () => {
    const secret = createToken(collector.dataDir, 't-sess', 'read');
    // A running collector takes up new tokens within token_reload_interval (1 s).
    await sleep(1200);
    const cookie = await signIn(collector.url, secret);
    const headers = { cookie };
    expect((await send(collector.url, ROUTES[8]!, headers)).status).toBe(200);
    revokeToken(collector.dataDir, 't-sess');
    createToken(collector.dataDir, 't-sess', 'admin');
    await sleep(1200);
    expect(await send(collector.url, { method: 'GET', path: '/api/v1/deadletter', needs: 'admin' }, headers)).toEqual({
      status: 401,
      code: 'AUTH_MISSING',
    });
    expect((await send(collector.url, ROUTES[8]!, headers)).status).toBe(401);
    const state = await fetch(`${collector.url}/api/v1/session`, { headers });
    expect(await state.json()).toEqual({ signed_in: false });
  });

  it('ends a session at logout on the server, not only in the browser', async () => {
    const cookie = await signIn(collector.url, collector.tokens.read);
    const out = await fetch(`${collector.url}/api/v1/session`, { method: 'DELETE', headers: { cookie } });
    expect(out.status).toBe(204);
    expect((await send(collector.url, ROUTES[8]!, { cookie })).status).toBe(401);
  });

  it('answers a malformed session cookie as no session, never 500', async () => {
    const res = await fetch(`${collector.url}/api/v1/session`, { headers: { cookie: 'logship_session=%E0%A4%A' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ signed_in: false });
  });

  it('answers Elasticsearch API paths it does not serve with coded JSON 404 or 405, never the UI', async () => {
    for (const [method, path, status, code] of [
      ['GET', '/logship-*/_search', 404, 'NOT_FOUND'],
      ['POST', '/logship-*/_search', 404, 'NOT_FOUND'],
      ['GET', '/_cat/indices', 404, 'NOT_FOUND'],
      ['GET', '/app/_mapping', 404, 'NOT_FOUND'],
      ['GET', '/_bulk', 405, 'METHOD_NOT_ALLOWED'],
      ['GET', '/app/_doc/1', 405, 'METHOD_NOT_ALLOWED'],
    ] as const) {
      const res = await fetch(`${collector.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${collector.tokens.admin}` },
      });
      expect([method, path, res.status, res.headers.get('content-type')]).toEqual([
        method,
        path,
        status,
        'application/json; charset=utf-8',
      ]);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
  });

  it('never serves a file outside the UI through path traversal', async () => {
    for (const path of [
      '/../package.json',
      '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/assets/..%2f..%2f..%2fpackage.json',
      '/..%5c..%5cpackage.json',
      '/assets/%2e%2e%2f%2e%2e%2ftokens.json',
    ]) {
      const res = await fetch(`${collector.url}${path}`);
      const text = await res.text();
      expect([path, res.status < 500]).toEqual([path, true]);
      expect(text).not.toContain('"name": "logship"');
      expect(text).not.toContain('root:x:0:0');
      expect(text).not.toContain('sha256');
    }
  });
});

describe('sessions shared by two collectors of one data directory (Elasticsearch)', () => {
  it('ends a session on both at logout on one, and on both at revoke', async () => {
    const a = await startSecurityCollector('elasticsearch', 'sessions-a');
    let b: RunningCollector | undefined;
    try {
      b = await startCollector(
        collectorConfig({
          listen: '127.0.0.1:0',
          data_dir: a.dataDir,
          elasticsearch: { url: testEsUrl(), index_prefix: `t-sec-sessions-a-${process.pid}` },
        }),
        pino({ level: 'silent' }),
      );
      const search = (url: string, cookie: string) => send(url, ROUTES[8]!, { cookie }).then((r) => r.status);
      const first = await signIn(a.url, a.tokens.read);
      expect([await search(a.url, first), await search(b.url, first)]).toEqual([200, 200]);
      expect((await fetch(`${b.url}/api/v1/session`, { method: 'DELETE', headers: { cookie: first } })).status).toBe(
        204,
      );
      expect([await search(a.url, first), await search(b.url, first)]).toEqual([401, 401]);
      const secret = createToken(a.dataDir, 'shared', 'read');
      await sleep(1200);
      const second = await signIn(a.url, secret);
      expect(await search(b.url, second)).toBe(200);
      revokeToken(a.dataDir, 'shared');
      expect([await search(a.url, second), await search(b.url, second)]).toEqual([401, 401]);
    } finally {
      await b?.stop();
      await a.dispose();
    }
  });
});
