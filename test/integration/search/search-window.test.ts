import { ingestEvents, refresh, startTestCollector, type TestCollector } from '../../support/collector-harness.js';
import { expectSchema } from './openapi-validator.js';

let collector: TestCollector;

beforeAll(async () => {
  collector = await startTestCollector('search-window');
  const now = Date.now();
  const events = Array.from({ length: 30 }, (_, i) => ({
    id: `w-${i}`,
    timestamp: new Date(now - (i + 1) * 60_000).toISOString(),
    host: 'web-1',
    message: `minute ${i + 1} ago`,
  }));
  expect((await ingestEvents(collector, events)).accepted).toBe(30);
  await refresh(collector);
});
afterAll(async () => {
  await collector?.dispose();
});

async function search(params: Record<string, string>) {
  const res = await fetch(`${collector.url}/api/v1/search?${new URLSearchParams(params)}`, {
    headers: { authorization: `Bearer ${collector.tokens.read}` },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { total: { value: number }; window: { from: string; to: string } };
  expectSchema('SearchResult', body);
  return body;
}

describe('the window a search answers for', () => {
  it('resolves now-15m to the times it searched, so later counts can ask for the same window', async () => {
    const before = Date.now();
    const relative = await search({ from: 'now-15m', q: 'minute' });
    const after = Date.now();
    const to = Date.parse(relative.window.to);
    expect(to).toBeGreaterThanOrEqual(before);
    expect(to).toBeLessThanOrEqual(after);
    expect(to - Date.parse(relative.window.from)).toBe(15 * 60_000);
    // The resolved window, asked for later, counts the same events.
    const again = await search({ ...relative.window, q: 'minute' });
    expect([again.total.value, again.window]).toEqual([relative.total.value, relative.window]);
    expect(relative.total.value).toBeGreaterThanOrEqual(14);
    expect(relative.total.value).toBeLessThanOrEqual(15);
  });

  it('gives absolute times back as they were asked for, in UTC', async () => {
    const body = await search({ from: '2026-11-26T10:00:00+01:00', to: '2026-11-26T10:30:00.250Z' });
    expect(body.window).toEqual({ from: '2026-11-26T09:00:00.000Z', to: '2026-11-26T10:30:00.250Z' });
  });
});
