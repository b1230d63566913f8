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
  it('reads vhost_combined with the vhost and port, and an IPv6 client, before 10:00 on a single-digit day', () => {
    expect(parseApache(fixture('apache/other_vhosts_access.log', 8), ctx)).toEqual({
      dataset: 'apache',
      timestamp: '2026-12-05T06:06:06.000Z',
      level: 'warn',
      message: fixture('apache/other_vhosts_access.log', 8),
      fields: {
        'url.domain': 'shop.example.com',
        'destination.port': 80,
        'source.ip': '::1',
        'http.request.method': 'GET',
        'http.version': '1.1',
        'url.original': '/robots.txt',
        'url.path': '/robots.txt',
        'http.response.status_code': 404,
        'http.response.body.bytes': 397,
        'user_agent.original':
          'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
      },
    });
  });

  it('reads common log format lines (no referrer, no user agent, "-" for no body)', () => {
    const line = fixture('apache/access_common.log', 5);
    expect(parseApache(line, ctx)).toEqual({
      dataset: 'apache',
      timestamp: '2026-12-05T06:06:06.000Z',
      level: 'info',
      message: line,
      fields: {
        'source.ip': '127.0.0.1',
        'http.request.method': 'GET',
        'http.version': '1.1',
        'url.original': '/static/logo.svg',
        'url.path': '/static/logo.svg',
        'http.response.status_code': 304,
      },
    });
  });

  it('reads 2.4 error lines: module:level, pid:tid, client with port, and the AH code also after a system error', () => {
    expect(parseApache(fixture('apache/error.log', 30), ctx)).toEqual({
      dataset: 'apache',
      timestamp: '2026-12-05T06:06:06.449Z',
      level: 'info',
      message: expect.stringMatching(/^File does not exist: \/tmp\/logship-fixture-apache\.\w+\/www\/robots\.txt$/),
      fields: {
        'log.original_level': 'info',
        'log.logger': 'core',
        'process.pid': 2408,
        'process.thread.id': 2443,
        'source.ip': '::1',
        'source.port': 37074,
        'error.code': 'AH00128',
      },
    });
    expect(parseApache(fixture('apache/error.log', 20), ctx)).toEqual({
      dataset: 'apache',
      timestamp: '2026-12-05T06:06:06.433Z',
      level: 'error',
      message: '(111)Connection refused: AH00957: http: attempt to connect to 127.0.0.1:18491 (127.0.0.1:18491) failed',
      fields: {
        'log.original_level': 'error',
        'log.logger': 'proxy',
        'process.pid': 2407,
        'process.thread.id': 2414,
        'error.code': 'AH00957',
      },
    });
  });
});
