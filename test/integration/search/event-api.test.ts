import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ingestEvents, refresh, startTestCollector, type TestCollector } from '../../support/collector-harness.js';
import { expectSchema } from './openapi-validator.js';

/** A line nginx wrote (the parser fixture), shipped as a shipper ships it: format, file, offset, read time. */
const NGINX_LINE = readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'nginx', 'access.log'), 'utf8').split(
  '\n',
)[0]!;
const READ_AT = new Date(Date.now() - 60_000).toISOString();

let collector: TestCollector;
let ingestedAfter: number;

beforeAll(async () => {
  collector = await startTestCollector('event-api');
  ingestedAfter = Date.now();
  const result = await ingestEvents(collector, [
    {
      id: 'ev/nginx 1',
      host: 'web-1',
      service: 'shop',
      source: '/var/log/nginx/access.log',
      offset: 4096,
      format: 'nginx',
      read_at: READ_AT,
      fields: { env: 'prod' },
      message: NGINX_LINE,
    },
  ]);
  expect(result.accepted).toBe(1);
  await refresh(collector);
});
afterAll(async () => {
  await collector?.dispose();
});

async function getEvent(id: string, token: string | null = collector.tokens.read) {
  const res = await fetch(`${collector.url}/api/v1/events/${encodeURIComponent(id)}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string } } };
}

describe('GET /api/v1/events/{id}', () => {
  it('answers one event with its parsed fields, read and ingest times, file, offset and format', async () => {
    const { status, body } = await getEvent('ev/nginx 1');
    expect(status).toBe(200);
    expectSchema('EventDetail', body);
    const fields = body.fields as Record<string, unknown>;
    expect(body).toMatchObject({
      id: 'ev/nginx 1',
      host: 'web-1',
      service: 'shop',
      source: '/var/log/nginx/access.log',
      offset: 4096,
      message: NGINX_LINE,
      read_at: READ_AT,
      dataset: 'nginx',
    });
    // The time comes from the line, not from the read.
    expect(body.timestamp).not.toBe(READ_AT);
    const ingested = Date.parse(body.ingested as string);
    expect(ingested).toBeGreaterThanOrEqual(ingestedAfter - 1000);
    expect(ingested).toBeLessThanOrEqual(Date.now());
    expect(fields.env).toBe('prod');
    expect(fields['http.request.method']).toBe(/"([A-Z]+) /.exec(NGINX_LINE)![1]);
    expect(fields['http.response.status_code']).toBe(Number(/" (\d{3}) /.exec(NGINX_LINE)![1]));
  });

  it('answers 404 NOT_FOUND for an unknown id and 401 without a token', async () => {
    const missing = await getEvent('ev-none');
    expect([missing.status, missing.body.error?.code]).toEqual([404, 'NOT_FOUND']);
    const anonymous = await getEvent('ev/nginx 1', null);
    expect([anonymous.status, anonymous.body.error?.code]).toEqual([401, 'AUTH_MISSING']);
    const ingestOnly = await getEvent('ev/nginx 1', collector.tokens.ingest);
    expect([ingestOnly.status, ingestOnly.body.error?.code]).toEqual([403, 'AUTH_FORBIDDEN']);
  });
});
