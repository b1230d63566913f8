import type { Browser, Page } from 'playwright-core';
import { ingestEvents, type TestCollector } from '../support/collector-harness.js';
import { startUiSuite, summaryCount, type UiSuite, waitForSummary } from './ui-page.js';
import { signedInPage } from '../support/browser.js';

/**
 * The traps of issue 17 that gave wrong answers without any sign, each driven as the on-call engineer met it.
 * Two stretches of logs: five minutes of one line per second from each of three hosts (ending a minute ago), and a
 * dense two minutes forty minutes ago (2,500 events, one every 48 ms) where a ±1 min context holds more than the
 * 1,000 events a side the API returns at once.
 */
const HOSTS = ['web-1', 'web-2', 'db-1'];
const TICK_SECONDS = 300;
const BURST = 2500;
const BURST_STEP_MS = 48;
const BURST_ANCHOR = 1250;

let collector: TestCollector;
let browser: Browser;
let ui: UiSuite;
let page: Page;
const now = Date.now();
const tickBase = now - 6 * 60_000;
const burstBase = now - 40 * 60_000;
const burstId = (i: number) => `burst-${String(i).padStart(5, '0')}`;
const ticks = Array.from({ length: TICK_SECONDS * HOSTS.length }, (_, i) => {
  const host = HOSTS[i % 3]!;
  const second = Math.floor(i / 3);
  const error = host === 'db-1' && second % 30 === 0;
  return {
    id: `tick-${String(i).padStart(4, '0')}`,
    timestamp: new Date(tickBase + second * 1000).toISOString(),
    host,
    service: host === 'db-1' ? 'postgres' : 'api',
    source: `/var/log/${host}.log`,
    offset: i * 100,
    level: error ? 'error' : 'info',
    message: error ? `ERROR: deadlock detected (${second})` : `${host} tick ${second}`,
  };
});
const ERRORS = ticks.filter((e) => e.level === 'error').length;

async function ingest(events: object[]): Promise<void> {
  expect((await ingestEvents(collector, events)).accepted).toBe(events.length);
}

/** The facet's value buttons: [value, count] pairs as shown. */
async function facet(field: string): Promise<[string, number][]> {
  const rows = page.locator(`[data-facet="${field}"] .facet-include`);
  const values = await rows.locator('.facet-value').allTextContents();
  const counts = await rows.locator('.facet-count').allTextContents();
  return values.map((v, i) => [v, Number(counts[i]!.replace(/\D/g, ''))]);
}

beforeAll(async () => {
  const burst = Array.from({ length: BURST }, (_, i) => ({
    id: burstId(i),
    timestamp: new Date(burstBase + i * BURST_STEP_MS).toISOString(),
    host: HOSTS[i % 3],
    source: `/var/log/burst-${HOSTS[i % 3]}.log`,
    offset: i * 10,
    message: `burst ${i}`,
  }));
  ui = await startUiSuite('ui-traps', [...ticks, ...burst]);
  collector = ui.collector;
  browser = ui.browser;
  page = await signedInPage(browser, collector.url, collector.tokens.read);
});

afterAll(async () => {
  await ui?.close();
});

describe('answers the UI must not get wrong', () => {
  it('1. Enter runs the query when the open suggestion is exactly what was typed', async () => {
    await page.goto(`${collector.url}/`);
    await waitForSummary(page, '900 events');
    await page.click('#q');
    await page.keyboard.type('level:error', { delay: 20 });
    await page.waitForSelector('.suggestions li');
    await expect(page.locator('.suggestions li').allTextContents()).resolves.toEqual(['level:error']);
    await page.waitForTimeout(500);
    await page.keyboard.press('Enter');
    await waitForSummary(page, `${ERRORS} events`, 5000);
    expect(new URL(page.url()).searchParams.get('q')).toBe('level:error');
  });

  it('2. live tail on a past window moves the range to now, and every count then moves together', async () => {
    const from = new Date(burstBase - 60_000).toISOString();
    const to = new Date(burstBase + 3 * 60_000).toISOString();
    await page.goto(`${collector.url}/?from=${from}&to=${to}`);
    await waitForSummary(page, '2,500 events');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('t');
    await page.waitForFunction(() => !new URL(location.href).searchParams.has('to'), undefined, { timeout: 5000 });
    expect(new URL(page.url()).searchParams.get('from')).toBe('now-4m');
    await page.waitForSelector('button.live[aria-pressed="true"]');
    await page.waitForSelector('[data-facet="host"] .facet-include');
    const shown = await summaryCount(page);
    await page.waitForTimeout(600);
    await ingest([{ id: 'trap2-live', timestamp: new Date().toISOString(), host: 'web-2', message: 'live after t' }]);
    await page.waitForSelector('.hit[data-id="trap2-live"]', { timeout: 10_000 });
    await waitForSummary(page, `${(shown + 1).toLocaleString('en-US')} events`);
    const hosts = await facet('host');
    expect(hosts.reduce((s, [, n]) => s + n, 0)).toBe(shown + 1);
    const legend = await page
      .locator('.legend [data-count]')
      .evaluateAll((items) => items.map((i) => Number(i.getAttribute('data-count'))));
    expect(legend.reduce((s, n) => s + n, 0)).toBe(shown + 1);
    await page.keyboard.press('t');
  });

  it('3. a ±1 min context says how far each side reaches, that it was cut, and loads the rest', async () => {
    await page.goto(`${collector.url}/context/${burstId(BURST_ANCHOR)}?span=window:1m`);
    await page.waitForSelector('.context-list .hit.anchor');
    const before = page.locator('.side[data-side="before"]');
    const after = page.locator('.side[data-side="after"]');
    // 1,000 events each way, 48 ms apart: the sides reach 48.000 s back and forth, not the minute asked for.
    await expect(before.textContent()).resolves.toContain('1,000 events, 48.000 s before');
    await expect(after.textContent()).resolves.toContain('1,000 events, 48.000 s after');
    await expect(after.textContent()).resolves.toContain('cut at 1,000');
    expect(await page.locator('.context-list .hit').count()).toBe(2001);
    await after.locator('button.load-more').click();
    await page.waitForFunction(() => document.querySelectorAll('.context-list .hit').length === 2250);
    await expect(after.textContent()).resolves.toContain('1,249 events, 59.952 s after');
    await expect(after.textContent()).resolves.toContain('all within 1 min');
    expect(await after.locator('button.load-more').count()).toBe(0);
    const ids = await page
      .locator('.context-list .hit')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
    expect(ids).toEqual(Array.from({ length: 2250 }, (_, i) => burstId(BURST_ANCHOR - 1000 + i)));
  });

  it('4. "Back to search" keeps the query and the host filter', async () => {
    await page.goto(`${collector.url}/?q=tick&host=web-1`);
    await waitForSummary(page, '300 events');
    await page.locator('.hit').first().locator('.around').click();
    await page.waitForSelector('.context-list .hit.anchor');
    await page.getByRole('button', { name: /Back to search/ }).click();
    await waitForSummary(page, '300 events', 5000);
    const url = new URL(page.url());
    expect([url.pathname, url.searchParams.get('q'), url.searchParams.getAll('host')]).toEqual([
      '/',
      'tick',
      ['web-1'],
    ]);
  });

  it('5. a context link opened while signed out lands on that context after signing in', async () => {
    const context = await browser.newContext();
    const tab = await context.newPage();
    const link = `/context/${burstId(BURST_ANCHOR)}?span=events%3A25&mode=lanes`;
    await tab.goto(`${collector.url}${link}`);
    await tab.fill('#token', collector.tokens.read);
    await tab.click('button[type=submit]');
    await tab.waitForSelector('.lanes .anchor', { timeout: 5000 });
    const url = new URL(tab.url());
    expect(url.pathname + url.search).toBe(link);
    await context.close();
  });

  it('6. a shared context link with hosts turned off still offers every host to turn back on', async () => {
    const anchor = ticks[450]!;
    await page.goto(`${collector.url}/context/${anchor.id}?ctx_host=db-1&ctx_host=web-1`);
    await page.waitForSelector('.context-list .hit.anchor');
    const buttons = page.locator('.ctx-hosts .filter');
    await expect(buttons.allTextContents()).resolves.toEqual(['db-1', 'web-1', 'web-2']);
    await expect(buttons.evaluateAll((b) => b.map((x) => x.getAttribute('aria-pressed')))).resolves.toEqual([
      'true',
      'true',
      'false',
    ]);
    await buttons.filter({ hasText: 'web-2' }).click();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.context-list .hit .host')].some((h) => h.textContent === 'web-2'),
    );
    expect(new URL(page.url()).searchParams.getAll('ctx_host')).toEqual([]);
  });

  it('7. after a syntax error the facets show nothing to click from the previous query', async () => {
    await page.goto(`${collector.url}/?q=level:error`);
    await waitForSummary(page, `${ERRORS} events`);
    await page.waitForSelector('[data-facet="host"] .facet-include');
    await page.fill('#q', 'level:error AND (');
    await page.press('#q', 'Enter');
    await page.waitForSelector('.query-error');
    await page.waitForTimeout(300);
    expect(await page.locator('.facets .facet-include, .facets .facet-exclude').count()).toBe(0);
  });
});
