import { readFileSync } from 'node:fs';
import { parseApache } from '../../../../collector/ingest/parse/apache-parser.js';
import { parseNginx } from '../../../../collector/ingest/parse/nginx-parser.js';

const ctx = { tz: 'Europe/Berlin', nowMs: Date.parse('2026-11-26T12:00:00Z') };
const fixture = (file: string, lineNo: number) =>
  readFileSync(new URL(`../../../fixtures/${file}`, import.meta.url), 'utf8').split('\n')[lineNo - 1]!;

const NGINX_CONNECT_FAILED = {
  dataset: 'nginx',
  timestamp: '2026-12-05T06:06:06.000Z',
  level: 'error',
  message:
    'connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: shop.example.com, request: "GET /api/v1/orders?id=4711&sort=desc HTTP/1.1", upstream: "http://127.0.0.1:18481/api/v1/orders?id=4711&sort=desc", host: "127.0.0.1:18480"',
  fields: {
    'log.original_level': 'error',
    'process.pid': 31163,
    'process.thread.id': 31163,
    'nginx.error.connection_id': 6,
    'source.ip': '127.0.0.1',
    'server.address': 'shop.example.com',
    'http.request.method': 'GET',
    'http.version': '1.1',
    'url.original': '/api/v1/orders?id=4711&sort=desc',
    'url.path': '/api/v1/orders',
    'url.query': 'id=4711&sort=desc',
    'nginx.error.upstream': 'http://127.0.0.1:18481/api/v1/orders?id=4711&sort=desc',
    // The Host header's port is not part of the domain.
    'url.domain': '127.0.0.1',
    'destination.port': 18480,
  },
};

describe('nginx parser', () => {
  it('maps a combined access line with a user and \\x22 escapes to ECS fields, before 10:00 on a single-digit day', () => {
    const line = fixture('nginx/access.log', 33);
    expect(parseNginx(line, ctx)).toEqual({
      dataset: 'nginx',
      timestamp: '2026-12-05T06:06:08.000Z',
      level: 'info',
      message: line,
      fields: {
        'source.ip': '127.0.0.1',
        'user.name': 'admin',
        'http.request.method': 'GET',
        'http.version': '1.1',
        'url.original': '/static/logo.svg',
        'url.path': '/static/logo.svg',
        'http.response.status_code': 200,
        'http.response.body.bytes': 2048,
        'user_agent.original': 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) "QuoteApp/2.1"',
      },
    });
  });

  it('keeps a TLS handshake sent to the plain port as url.original, and an IPv6 client', () => {
    const p = parseNginx(fixture('nginx/access.log', 34), ctx)!;
    expect([p.level, p.fields['source.ip'], p.fields['http.response.status_code']]).toEqual(['warn', '127.0.0.1', 400]);
    expect(String(p.fields['url.original']).startsWith('\x16\x03\x01')).toBe(true);
    expect(p.fields['http.request.method']).toBeUndefined();
    expect(parseNginx(fixture('nginx/access.log', 8), ctx)!.fields).toMatchObject({
      'source.ip': '::1',
      'http.response.status_code': 404,
    });
  });

  it('reads an error line in the shipper zone and pulls client, request and upstream out of the context', () => {
    expect(parseNginx(fixture('nginx/error.log', 12), ctx)).toEqual(NGINX_CONNECT_FAILED);
    expect(parseNginx(fixture('nginx/error.log', 1), ctx)).toMatchObject({
      level: 'info',
      timestamp: '2026-12-05T06:06:06.000Z',
    });
  });
});

describe('apache parser', () => {
  it('reads vhost_combined with a "-" size and a hostname client as source.address', () => {
    expect(parseApache(fixture('apache/access.log', 7), ctx)!.fields).toEqual({
      'url.domain': 'www.example.org',
      'destination.port': 80,
      'source.address': 'crawl-66-249-66-1.googlebot.com',
      'http.request.method': 'POST',
      'http.version': '1.1',
      'url.original': '/api/v1/cart/items?utm_source=newsletter&utm_medium=email',
      'url.path': '/api/v1/cart/items',
      'url.query': 'utm_source=newsletter&utm_medium=email',
      'http.response.status_code': 200,
      'http.response.body.bytes': 17275,
      'user_agent.original': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    });
    const head = parseApache(fixture('apache/access.log', 6), ctx)!;
    expect([head.timestamp, head.level, head.fields['http.response.body.bytes']]).toEqual([
      '2026-11-26T06:25:28.000Z',
      'error',
      undefined,
    ]);
  });

  it('reads common log format lines (no referrer, no user agent)', () => {
    const line = '192.0.2.144 - bob [26/Nov/2026:07:25:03 +0100] "GET /index.html HTTP/1.0" 304 -';
    expect(parseApache(line, ctx)).toEqual({
      dataset: 'apache',
      timestamp: '2026-11-26T06:25:03.000Z',
      level: 'info',
      message: line,
      fields: {
        'source.ip': '192.0.2.144',
        'user.name': 'bob',
        'http.request.method': 'GET',
        'http.version': '1.0',
        'url.original': '/index.html',
        'url.path': '/index.html',
        'http.response.status_code': 304,
      },
    });
  });

  it('reads 2.4 error lines (module:level, pid:tid, AH code) and 2.2 ones', () => {
    expect(parseApache(fixture('apache/error.log', 5), ctx)).toEqual({
      dataset: 'apache',
      timestamp: '2026-11-26T05:26:13.999Z',
      level: 'error',
      message: 'client denied by server configuration: /var/www/html/.env',
      fields: {
        'log.original_level': 'error',
        'log.logger': 'authz_core',
        'process.pid': 2074,
        'process.thread.id': 139812345679134,
        'error.code': 'AH01630',
      },
    });
    expect(parseApache(fixture('apache/error.log', 4), ctx)).toEqual({
      dataset: 'apache',
      timestamp: '2026-11-26T05:25:56.000Z',
      level: 'error',
      message: 'File does not exist: /var/www/html/robots.txt',
      fields: { 'log.original_level': 'error', 'source.ip': '198.51.100.23' },
    });
    const withClient = parseApache(
      '[Thu Nov 26 06:26:13.999258 2026] [php:error] [pid 2074:tid 1398] [client 2001:db8::1f3:51234] PHP Fatal error:  x',
      { tz: undefined, nowMs: ctx.nowMs },
    )!;
    expect(withClient.fields).toMatchObject({ 'source.ip': '2001:db8::1f3', 'source.port': 51234 });
    expect(withClient.timestamp).toBe('2026-11-26T06:26:13.999Z');
  });
});
