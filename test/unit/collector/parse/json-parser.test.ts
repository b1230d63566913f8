import { readFileSync } from 'node:fs';
import { parseJson } from '../../../../collector/ingest/parse/json-parser.js';

const ctx = { tz: 'Europe/Berlin', nowMs: Date.parse('2026-11-26T12:00:00Z') };
const fixture = (file: string, lineNo: number) =>
  readFileSync(new URL(`../../../fixtures/json/${file}`, import.meta.url), 'utf8').split('\n')[lineNo - 1]!;

describe('JSON parser', () => {
  it('reads pino: numeric level, epoch ms, err, req/res (its std serializers) under ECS names', () => {
    const p = parseJson(fixture('pino.log', 5), ctx)!;
    expect({ ...p, fields: { ...p.fields, 'error.stack_trace': undefined } }).toEqual({
      dataset: 'json',
      timestamp: '2026-12-05T06:06:06.396Z',
      level: 'error',
      message: 'request failed',
      fields: {
        'process.pid': 4842,
        'host.hostname': 'vm',
        'error.type': 'Error',
        'error.message': 'connect ECONNREFUSED 127.0.0.1:5432',
        'error.stack_trace': undefined,
        'url.original': '/fail',
        'url.path': '/fail',
        'http.request.method': 'GET',
        'user_agent.original': 'curl/7.88.1',
        'source.ip': '127.0.0.1',
        'source.port': 60258,
        'http.response.status_code': 500,
      },
      labels: {
        reqId: 'req-5',
        req_headers_host: '127.0.0.1:40487',
        req_headers_connection: 'keep-alive',
        req_headers_accept: '*/*',
        'req_headers_accept-language': '*',
        'req_headers_sec-fetch-mode': 'cors',
        'req_headers_accept-encoding': 'gzip, deflate',
      },
    });
    expect(String(p.fields['error.stack_trace']).split('\n')[0]).toBe('Error: connect ECONNREFUSED 127.0.0.1:5432');
  });

  it('reads bunyan: name as logger, ISO time, nested keys as labels with underscores, err with its name', () => {
    expect(parseJson(fixture('bunyan.log', 4), ctx)).toEqual({
      dataset: 'json',
      timestamp: '2026-12-05T06:06:08.607Z',
      level: 'info',
      message: 'invoice 9000 rendered',
      fields: { 'log.logger': 'billing', 'process.pid': 11701, 'host.hostname': 'vm' },
      labels: { component: 'pdf', invoice_id: '9000', invoice_pages: '5' },
    });
    // bunyan's err serializer names the class `name` (pino's says `type`).
    const failed = parseJson(fixture('bunyan.log', 7), ctx)!;
    expect([failed.level, failed.fields['error.type'], failed.fields['error.message'], failed.labels]).toEqual([
      'error',
      'Error',
      'connect ECONNREFUSED 127.0.0.1:5432',
      undefined,
    ]);
    expect(String(failed.fields['error.stack_trace']).split('\n')[0]).toBe(
      'Error: connect ECONNREFUSED 127.0.0.1:5432',
    );
  });

  it("reads winston's errors format: the Error's stack on top of the line is the stack trace", () => {
    const p = parseJson(fixture('winston.log', 8), ctx)!;
    expect([p.timestamp, p.level, p.message, p.labels]).toEqual([
      '2026-12-05T06:06:07.979Z',
      'error',
      'checkout failed: payment provider timeout',
      { requestId: 'r-42', service: 'cart' },
    ]);
    expect(String(p.fields['error.stack_trace']).split('\n')[0]).toBe(
      'Error: checkout failed: payment provider timeout',
    );
  });

  it('reads ECS lines: typed fields kept, a wrong-typed value goes to labels instead of refusing the event', () => {
    // ecs-logging's formatter with ECS fields as extras; this client wrote its status as text.
    const p = parseJson(fixture('ecs.log', 4), ctx)!;
    expect([p.timestamp, p.level, p.message]).toEqual(['2026-12-05T06:06:06.247Z', 'warn', 'GET /checkout/status n/a']);
    expect(p.fields).toEqual({
      'log.logger': 'checkout.access',
      'process.pid': 27742,
      'process.name': 'MainProcess',
      'process.thread.name': 'MainThread',
      'process.thread.id': 139760056730176,
      'trace.id': '133a84905d210794',
      'log.origin.file.name': 'ecs.py',
      'log.origin.file.line': 33,
      'log.origin.function': '<module>',
      'http.request.method': 'GET',
      'http.response.body.bytes': 4449,
      'url.path': '/checkout/status',
      'client.ip': '198.51.100.23',
      'user_agent.original': 'curl/7.88.1',
      'user.id': 'u-42',
    });
    expect(p.labels).toEqual({
      http_response_status_code: 'n/a',
      event_dataset: 'checkout.access',
      tenant: 'acme',
      log_original: 'GET /checkout/status n/a',
    });
    const failed = parseJson(fixture('ecs.log', 6), ctx)!;
    expect([failed.fields['error.type'], failed.fields['error.message']]).toEqual([
      'ConnectionError',
      'payment provider unreachable',
    ]);
  });

  it('reads zap (epoch seconds, caller, stacktrace), logrus (RFC 3339, string error) and python-json-logger', () => {
    const zap = parseJson(fixture('zap.log', 6), ctx)!;
    expect({ ...zap, fields: { ...zap.fields, 'error.stack_trace': undefined } }).toEqual({
      dataset: 'json',
      timestamp: '2026-12-05T06:06:06.164Z',
      level: 'error',
      message: 'request failed',
      fields: {
        'error.message': 'payment provider timeout',
        'error.stack_trace': undefined,
        'log.origin.file.name': 'zap/main.go',
        'log.origin.file.line': 41,
      },
      labels: { path: '/v1/pay', status: '502' },
    });
    expect(String(zap.fields['error.stack_trace']).split('\n')[0]).toBe('main.main');
    expect(parseJson(fixture('zap.log', 7), ctx)!.level).toBe('fatal');
    expect(parseJson(fixture('zap.log', 3), ctx)!.fields['trace.id']).toBe('8286b3c8db9bc56e2080293caac5e8a3');
    const logrus = parseJson(fixture('logrus.log', 6), ctx)!;
    expect([logrus.timestamp, logrus.level, logrus.fields, logrus.labels]).toEqual([
      '2026-12-05T06:06:16.000Z',
      'error',
      { 'error.message': 'context deadline exceeded' },
      { controller: 'deployment', namespace: 'shop' },
    ]);
    // asctime has no zone: the shipper's (Europe/Berlin, +01:00 in December) applies.
    const python = parseJson(fixture('python.log', 6), ctx)!;
    expect(python).toEqual({
      dataset: 'json',
      timestamp: '2026-12-05T06:06:08.165Z',
      level: 'error',
      message: 'order 4711 could not be totalled',
      fields: {
        'log.logger': 'shop.orders.worker',
        'process.pid': 11794,
        'process.thread.name': 'MainThread',
        'error.stack_trace': expect.stringMatching(/^Traceback \(most recent call last\):\n[^]*\nKeyError: 'total'$/),
        'log.origin.file.name': 'python.py',
        'log.origin.file.line': 21,
        'log.origin.function': 'run',
      },
    });
  });

  it('reads log4j2 JSON (instant, loggerName, thrown)', () => {
    const line =
      '{"instant":{"epochSecond":1795674303,"nanoOfSecond":929000000},"thread":"main","level":"ERROR","loggerName":"com.example.Shop","message":"order failed","thrown":{"name":"java.sql.SQLException","message":"Connection is not available","extendedStackTrace":"java.sql.SQLException: x\\n\\tat A.b(A.java:1)"}}';
    expect(parseJson(line, ctx)).toEqual({
      dataset: 'json',
      timestamp: '2026-11-26T06:25:03.929Z',
      level: 'error',
      message: 'order failed',
      fields: {
        'log.logger': 'com.example.Shop',
        'process.thread.name': 'main',
        'error.type': 'java.sql.SQLException',
        'error.message': 'Connection is not available',
        'error.stack_trace': 'java.sql.SQLException: x\n\tat A.b(A.java:1)',
      },
    });
  });

  it("reads log4j2 JsonLayout's default thrown (frames as objects, a nested cause) as Java prints its stack trace", () => {
    expect(parseJson(fixture('log4j.log', 6), ctx)).toEqual({
      dataset: 'json',
      timestamp: '2026-12-05T06:06:08.446Z',
      level: 'error',
      message: 'order 4713 failed',
      fields: {
        'log.logger': 'com.example.shop.OrderController',
        'process.thread.name': 'http-nio-8080-exec-3',
        'error.type': 'java.lang.IllegalStateException',
        'error.message': 'cannot reserve stock',
        'error.stack_trace': [
          'java.lang.IllegalStateException: cannot reserve stock',
          '\tat com.example.shop.OrderController.lambda$main$0(OrderController.java:18)',
          '\tat java.lang.Thread.run(Thread.java:1474)',
          'Caused by: java.sql.SQLException: Connection is not available, request timed out after 30000ms.',
          '\tat com.example.shop.OrderController.lambda$main$0(OrderController.java:17)',
        ].join('\n'),
      },
      labels: {
        endOfBatch: 'false',
        loggerFqcn: 'org.apache.logging.log4j.spi.AbstractLogger',
        threadId: '23',
        threadPriority: '5',
      },
    });
  });

  it('keeps the whole line as the message when the object has none, and refuses what is not an object', () => {
    expect(parseJson('{"a":1}', ctx)).toEqual({
      dataset: 'json',
      timestamp: undefined,
      level: undefined,
      message: '{"a":1}',
      fields: {},
      labels: { a: '1' },
    });
    expect(parseJson('{"a":', ctx)).toBeUndefined();
    expect(parseJson('[1,2]', ctx)).toBeUndefined();
  });

  it('caps labels at 64 per event', () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    expect(Object.keys(parseJson(JSON.stringify({ msg: 'x', ...many }), ctx)!.labels!)).toHaveLength(64);
  });
});

describe('keys that are names of Object properties', () => {
  it('stay labels and are never taken for levels, months or ECS fields', () => {
    const p = parseJson('{"msg":"m","level":"constructor","constructor":"x","toString":"y"}', {
      tz: undefined,
      nowMs: 0,
    })!;
    expect(p.level).toBeUndefined();
    expect(p.fields).toEqual({ 'log.original_level': 'constructor' });
    expect(p.labels).toEqual({ constructor: 'x', toString: 'y' });
  });
});
