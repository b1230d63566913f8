import type { Page } from 'playwright-core';
import { signedInPage, testScreenshotPath } from '../support/browser.js';
import { ingestEvents, type TestCollector } from '../support/collector-harness.js';
import { startUiSuite, summaryCount, type UiSuite, waitForSummary } from './ui-page.js';

/**
 * Ten minutes of logs from five hosts (one line every 5 s each), two of them named like the pair whose hashed colours
 * once collided (web-2 and api-2); a label `env` to facet on; "timeout" and "refused" in some messages.
 */
const HOSTS = ['web-1', 'web-2', 'api-1', 'api-2', 'db-1'];
const PER_HOST = 120;

let collector: TestCollector;
let ui: UiSuite;
let page: Page;
const now = Date.now();
const events = Array.from({ length: HOSTS.length * PER_HOST }, (_, i) => {
  const host = HOSTS[i % HOSTS.length]!;
  const step = Math.floor(i / HOSTS.length);
  const word = i % 7 === 0 ? 'timeout' : i % 11 === 0 ? 'refused' : 'ok';
  return {
    id: `fc-${String(i).padStart(4, '0')}`,
    timestamp: new Date(now - 10 * 60_000 + step * 5000 + (i % HOSTS.length)).toISOString(),
    host,
    service: host.startsWith('db') ? 'postgres' : 'api',
    level: word === 'timeout' ? 'error' : 'info',
    message: `${host} request ${step} ${word}`,
    fields: { env: i % 3 === 0 ? 'staging' : 'prod' },
  };
});
const count = (pred: (e: (typeof events)[number]) => boolean) => events.filter(pred).length;
const has = (word: string) => (e: (typeof events)[number]) => e.message.endsWith(word);

/** [value, count, selected] of a facet's value buttons, as shown. */
async function facet(field: string): Promise<[string, number, boolean][]> {
  await page.waitForSelector(`[data-facet="${field}"] .facet-include`);
  return page
    .locator(`[data-facet="${field}"] .facet-include`)
    .evaluateAll((buttons) =>
      buttons.map((b) => [
        b.querySelector('.facet-value')!.textContent!,
        Number(b.querySelector('.facet-count')!.textContent!.replace(/\D/g, '')),
        b.getAttribute('aria-pressed') === 'true',
      ]),
    );
}

/** Legend entries: [key, count over the range, chip colour]. */
async function legend(): Promise<[string, number, string][]> {
  await page.waitForSelector('.legend .legend-item');
  return page
    .locator('.legend .legend-item')
    .evaluateAll((items) =>
      items.map((i) => [
        i.getAttribute('data-key')!,
        Number(i.getAttribute('data-count')),
        getComputedStyle(i.querySelector('.chip')!).backgroundColor,
      ]),
    );
}

const param = (name: string) => new URL(page.url()).searchParams.get(name);

beforeAll(async () => {
  ui = await startUiSuite('ui-facets', events);
  collector = ui.collector;
  page = await signedInPage(ui.browser, collector.url, collector.tokens.read);
});

afterAll(async () => {
  await ui?.close();
});

describe('facets', () => {
  it('adds a facet on any field from the field list, with exact counts kept in the URL', async () => {
    await page.goto(`${collector.url}/`);
    await waitForSummary(page, '600 events');
    await page.waitForSelector('.add-facet option[value="labels.env"]', { state: 'attached' });
    await page.selectOption('.add-facet', 'labels.env');
    expect(new URL(page.url()).searchParams.getAll('facet')).toEqual(['labels.env']);
    await expect(facet('labels.env')).resolves.toEqual([
      ['prod', count((e) => e.fields.env === 'prod'), false],
      ['staging', count((e) => e.fields.env === 'staging'), false],
    ]);
    await page.locator('[data-facet="labels.env"] .facet-include', { hasText: 'staging' }).click();
    await waitForSummary(page, `${count((e) => e.fields.env === 'staging')} events`);
    expect(param('q')).toBe('labels.env:"staging"');
  });

  it('selects several values of one facet at once (OR), each still counted', async () => {
    await page.goto(`${collector.url}/`);
    await waitForSummary(page, '600 events');
    await page.locator('[data-facet="host"] .facet-include', { hasText: 'web-1' }).click();
    await waitForSummary(page, '120 events');
    await page.locator('[data-facet="host"] .facet-include', { hasText: 'api-2' }).click();
    await waitForSummary(page, '240 events');
    expect(param('q')).toBe('host:("web-1" OR "api-2")');
    // Counted without their own selection: every host keeps its count, the two chosen are marked.
    const hosts = await facet('host');
    expect(hosts.sort()).toEqual(HOSTS.map((h) => [h, PER_HOST, h === 'web-1' || h === 'api-2']).sort());
    await expect(facet('service')).resolves.toEqual([['api', 240, false]]);
    await page.locator('[data-facet="host"] .facet-include', { hasText: 'web-1' }).click();
    await waitForSummary(page, '120 events');
    expect(param('q')).toBe('host:"api-2"');
  });

  it('keeps repeated exclusions flat: one pair of brackets around a query with OR, however many follow', async () => {
    await page.goto(`${collector.url}/?q=${encodeURIComponent('timeout OR refused')}`);
    const matching = count((e) => has('timeout')(e) || has('refused')(e));
    await waitForSummary(page, `${matching} events`);
    for (const host of ['db-1', 'api-1', 'api-2']) {
      await page.locator('[data-facet="host"] li', { hasText: host }).locator('.facet-exclude').click();
      await page.waitForFunction((h) => new URL(location.href).searchParams.get('q')?.endsWith(`-host:"${h}"`), host);
    }
    expect(param('q')).toBe('(timeout OR refused) AND -host:"db-1" AND -host:"api-1" AND -host:"api-2"');
    const kept = (e: (typeof events)[number]) => (has('timeout')(e) || has('refused')(e)) && e.host.startsWith('web');
    await waitForSummary(page, `${count(kept)} events`);
    await page.waitForSelector('[data-facet="host"] li.excluded');
    await expect(page.locator('[data-facet="host"] li.excluded .facet-value').allTextContents()).resolves.toEqual([
      'db-1',
      'api-1',
      'api-2',
    ]);
    await page.locator('[data-facet="host"] li.excluded', { hasText: 'api-1' }).locator('button').click();
    await page.waitForFunction(() => !new URL(location.href).searchParams.get('q')?.includes('api-1'));
    expect(param('q')).toBe('(timeout OR refused) AND -host:"db-1" AND -host:"api-2"');
  });
});

describe('the order of requests', () => {
  it('asks for the rows first and alone, then the chart, then the facets two at a time', async () => {
    await page.goto(`${collector.url}/`);
    await waitForSummary(page, '600 events');
    await facet('level');
    const log: { path: string; start: number; end?: number }[] = [];
    const started = new Map<object, (typeof log)[number]>();
    const onRequest = (r: { url(): string }) => {
      const path = new URL(r.url()).pathname;
      // The list of field names (for the query box and "+ facet") is asked for once per range, whenever it is needed.
      if (!path.startsWith('/api/v1/') || path === '/api/v1/fields') return;
      const entry = { path, start: performance.now() };
      started.set(r, entry);
      log.push(entry);
    };
    const onFinished = (r: object) => {
      const entry = started.get(r);
      if (entry) entry.end = performance.now();
    };
    page.on('request', onRequest);
    page.on('requestfinished', onFinished);
    await page.fill('#q', 'timeout');
    await page.press('#q', 'Enter');
    await waitForSummary(page, `${count(has('timeout'))} events`);
    for (let i = 0; i < 200 && !(log.length === 6 && log.every((e) => e.end)); i++) await page.waitForTimeout(50);
    page.off('request', onRequest);
    page.off('requestfinished', onFinished);
    expect(log.map((e) => e.path)).toEqual([
      '/api/v1/search',
      '/api/v1/histogram',
      ...['host', 'service', 'level', 'source'].map((f) => `/api/v1/fields/${f}/top`),
    ]);
    const [search, histogram, ...facets] = log;
    expect(histogram!.start).toBeGreaterThanOrEqual(search!.end!);
    for (const f of facets) expect(f.start).toBeGreaterThanOrEqual(histogram!.end!);
    // Two at a time: the third waits for one of the first two.
    expect(facets[2]!.start).toBeGreaterThanOrEqual(Math.min(facets[0]!.end!, facets[1]!.end!));
  });
});

describe('chart', () => {
  it('has a legend with each host counted and a colour no other host has, the same as in the rows', async () => {
    await page.goto(`${collector.url}/`);
    await waitForSummary(page, '600 events');
    const entries = await legend();
    expect(entries.map(([k, n]) => [k, n]).sort()).toEqual(HOSTS.map((h) => [h, PER_HOST]).sort());
    expect(new Set(entries.map(([, , c]) => c)).size).toBe(HOSTS.length);
    const rowColors = await page
      .locator('.hit')
      .evaluateAll((rows) =>
        rows.map((r) => [
          r.querySelector('.host')!.textContent,
          getComputedStyle(r.querySelector('.chip')!).backgroundColor,
        ]),
      );
    for (const [host, color] of rowColors) expect(entries.find(([k]) => k === host)?.[2]).toBe(color);
    await page.screenshot({ path: testScreenshotPath('chart-legend.png') });
  });

  it('shows the counts of the bucket under the pointer', async () => {
    const plot = page.locator('.histogram .u-over');
    const box = (await plot.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.waitForFunction(() => /\(\d+s\): \d/.test(document.querySelector('.legend-when')?.textContent ?? ''));
    const when = (await page.locator('.legend-when').textContent())!;
    const bucketTotal = Number(/: ([\d,]+)$/.exec(when)![1]!.replace(/,/g, ''));
    const shown = (await page.locator('.legend .legend-count').allTextContents()).map((t) =>
      Number(t.replace(/,/g, '')),
    );
    expect(shown.reduce((s, n) => s + n, 0)).toBe(bucketTotal);
    expect(bucketTotal).toBeGreaterThan(0);
    expect(bucketTotal).toBeLessThan(600);
    await page.mouse.move(box.x + box.width * 0.5, box.y - 60);
    await page.waitForFunction(() => document.querySelector('.legend-when')?.textContent?.startsWith('per '));
  });

  it('zooms out and moves half a range earlier and later', async () => {
    await page.goto(`${collector.url}/?from=now-15m`);
    await waitForSummary(page, '600 events');
    await page.locator('.chart-controls .zoom-out').click();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('from') === 'now-30m');
    expect(param('to')).toBeNull();
    const before = Date.now();
    await page.locator('.chart-controls .earlier').click();
    await page.waitForFunction(() => new URL(location.href).searchParams.has('to'));
    const from = Date.parse(param('from')!);
    const to = Date.parse(param('to')!);
    expect(to - from).toBe(30 * 60_000);
    expect(to).toBeGreaterThanOrEqual(before - 15 * 60_000 - 1000);
    expect(to).toBeLessThanOrEqual(Date.now() - 15 * 60_000);
    await page.locator('.chart-controls .later').click();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('from') === 'now-30m');
    expect(param('to')).toBeNull();
    await waitForSummary(page, '600 events');
  });

  it('fits the page at 1440, 1280 and 390 pixels: no sideways scrolling', async () => {
    for (const width of [1440, 1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${collector.url}/`);
      await waitForSummary(page, '600 events');
      await page.waitForSelector('.histogram canvas');
      const sizes = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth,
        viewport: window.innerWidth,
        chartRight: document.querySelector('.histogram .uplot')!.getBoundingClientRect().right,
        boxRight: document.querySelector('.histogram')!.getBoundingClientRect().right,
      }));
      expect([width, sizes.page]).toEqual([width, sizes.viewport]);
      expect(sizes.chartRight).toBeLessThanOrEqual(sizes.boxRight);
    }
    await page.setViewportSize({ width: 1400, height: 900 });
  });

  it('follows live tail: the legend, the facets and the total take in each new event', async () => {
    await page.goto(`${collector.url}/`);
    await waitForSummary(page, '600 events');
    await facet('host');
    await page.locator('button.live').click();
    await page.waitForTimeout(600);
    const fresh = Array.from({ length: 3 }, (_, i) => ({
      id: `fc-live-${i}`,
      timestamp: new Date().toISOString(),
      host: 'api-2',
      service: 'api',
      level: 'info',
      message: `api-2 live ${i}`,
      fields: { env: 'prod' },
    }));
    expect((await ingestEvents(collector, fresh)).accepted).toBe(3);
    // The oracle of the tests below counts them too.
    events.push(...fresh);
    await waitForSummary(page, '603 events');
    expect((await legend()).find(([k]) => k === 'api-2')?.[1]).toBe(PER_HOST + 3);
    expect((await facet('host')).find(([v]) => v === 'api-2')?.[1]).toBe(PER_HOST + 3);
    expect(await summaryCount(page)).toBe(603);
    await page.locator('button.live').click();
  });
});

describe('time range', () => {
  it('takes typed relative ranges (40m, now-40m) and has presets for 30 minutes and 3 hours', async () => {
    await page.goto(`${collector.url}/`);
    await waitForSummary(page, '603 events');
    await page.fill('input[aria-label="From"]', '40m');
    await page.press('input[aria-label="From"]', 'Enter');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('from') === 'now-40m');
    await expect(page.locator('select[aria-label="Time range"]').inputValue()).resolves.toBe('');
    await page.fill('input[aria-label="From"]', 'now-30m');
    await page.press('input[aria-label="From"]', 'Enter');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('from') === 'now-30m');
    await expect(page.locator('select[aria-label="Time range"]').inputValue()).resolves.toBe('now-30m');
    await page.selectOption('select[aria-label="Time range"]', 'now-3h');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('from') === 'now-3h');
    await waitForSummary(page, '603 events');
    const labels = await page.locator('select[aria-label="Time range"] option').allTextContents();
    expect(labels).toEqual(expect.arrayContaining(['Last 30 minutes', 'Last 3 hours']));
  });

  it('takes a typed absolute time in the display zone, and refuses what is not a time', async () => {
    await page.goto(`${collector.url}/?tz=utc`);
    await waitForSummary(page, '603 events');
    const start = new Date(now - 5 * 60_000);
    const typed = start.toISOString().slice(0, 16).replace('T', ' ');
    await page.fill('input[aria-label="From"]', typed);
    await page.press('input[aria-label="From"]', 'Enter');
    await page.waitForFunction(
      (iso) => new URL(location.href).searchParams.get('from') === iso,
      `${start.toISOString().slice(0, 16)}:00.000Z`,
    );
    const after = count((e) => Date.parse(e.timestamp) >= Date.parse(`${start.toISOString().slice(0, 16)}:00.000Z`));
    await waitForSummary(page, `${after} events`);
    await page.fill('input[aria-label="From"]', 'yesterday-ish');
    await page.press('input[aria-label="From"]', 'Enter');
    await expect(page.locator('.time-error').textContent()).resolves.toContain('is not a time');
    expect(await page.locator('input[aria-label="From"]').getAttribute('aria-invalid')).toBe('true');
    expect(param('from')).toBe(`${start.toISOString().slice(0, 16)}:00.000Z`);
  });
});
