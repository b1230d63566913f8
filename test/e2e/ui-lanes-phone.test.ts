import type { Browser, Page } from 'playwright-core';
import { signedInPage, testScreenshotPath } from '../support/browser.js';
import { type TestCollector } from '../support/collector-harness.js';
import { startUiSuite, type UiSuite, waitForSummary } from './ui-page.js';

/**
 * A minute of three hosts at different rates (web-1 three lines a second, web-2 two, db-1 one), db-1's errors with
 * a stack trace under them: dense enough that a lane holds several events per second.
 */
const RATES: [string, number[]][] = [
  ['web-1', [100, 400, 700]],
  ['web-2', [200, 600]],
  ['db-1', [500]],
];
const base = Math.floor((Date.now() - 5 * 60_000) / 1000) * 1000;
const events = Array.from({ length: 60 }, (_, second) =>
  RATES.flatMap(([host, offsets]) =>
    offsets.map((ms, k) => {
      const error = host === 'db-1' && second % 10 === 0;
      return {
        id: `ln-${String(second).padStart(2, '0')}-${host}-${k}`,
        timestamp: new Date(base + second * 1000 + ms).toISOString(),
        host,
        source: `/var/log/${host}.log`,
        offset: second * 10 + k,
        level: error ? 'error' : host === 'web-2' && second % 7 === 0 ? 'warn' : 'info',
        message: error
          ? `ERROR: deadlock detected at second ${second}\nDETAIL: Process 4242 waits for ShareLock\nHINT: See server log`
          : `${host} handled request ${second}.${k}`,
      };
    }),
  ),
).flat();
const ANCHOR = 'ln-30-db-1-0';

let collector: TestCollector;
let browser: Browser;
let ui: UiSuite;

beforeAll(async () => {
  ui = await startUiSuite('ui-lanes', events);
  collector = ui.collector;
  browser = ui.browser;
});

afterAll(async () => {
  await ui?.close();
});

/** The ±50 events around the anchor, in the API's order (all times differ here). */
function around(id: string): typeof events {
  const sorted = [...events].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  const at = sorted.findIndex((e) => e.id === id);
  return sorted.slice(at - 50, at + 51);
}

describe('lanes', () => {
  let page: Page;
  beforeAll(async () => {
    page = await signedInPage(browser, collector.url, collector.tokens.read);
  });

  it('puts every event of a second in one row, several per lane, coloured by level, stack traces folded', async () => {
    await page.goto(`${collector.url}/context/${ANCHOR}?mode=lanes`);
    await page.waitForSelector('.lanes .lane-event.anchor');
    const shown = around(ANCHOR);
    const seconds = new Set(shown.map((e) => e.timestamp.slice(0, 19)));
    expect(await page.locator('.lanes .lane-event').count()).toBe(101);
    // One row per second instead of one per event: 101 events in 17 rows, each with a time cell.
    expect(await page.locator('.lanes .lane-time:not(.lane-head)').count()).toBe(seconds.size);
    expect(seconds.size).toBe(17);
    const perCell = await page
      .locator('.lanes .lane-cell')
      .evaluateAll((cells) => cells.map((c) => c.querySelectorAll('.lane-event').length));
    expect(Math.max(...perCell)).toBe(3);
    const anchor = page.locator(`.lane-event[data-id="${ANCHOR}"]`);
    await expect(anchor.evaluate((e) => getComputedStyle(e).borderLeftColor)).resolves.toBe('rgb(192, 57, 43)');
    const info = page.locator('.lane-event.level-info').first();
    await expect(info.evaluate((e) => getComputedStyle(e).borderLeftColor)).resolves.toBe('rgb(70, 130, 180)');
    await expect(anchor.locator('.lane-text').textContent()).resolves.toBe('ERROR: deadlock detected at second 30');
    await anchor.locator('.fold').click();
    await expect(anchor.locator('.lane-text').textContent()).resolves.toBe(
      events.find((e) => e.id === ANCHOR)!.message,
    );
    await page.screenshot({ path: testScreenshotPath('lanes-dense.png') });
  });

  it('re-anchors on any event of a lane, and on any row of the merged view', async () => {
    await page.goto(`${collector.url}/context/${ANCHOR}?mode=lanes&span=events%3A25`);
    await page.waitForSelector('.lanes .lane-event.anchor');
    await page.locator('.lane-event[data-id="ln-28-web-2-1"] .reanchor').click();
    await page.waitForSelector('.lanes .lane-event.anchor[data-id="ln-28-web-2-1"]');
    const url = new URL(page.url());
    expect([url.pathname, url.searchParams.get('mode'), url.searchParams.get('span')]).toEqual([
      '/context/ln-28-web-2-1',
      'lanes',
      'events:25',
    ]);
    await page.locator('.segmented button', { hasText: 'Merged' }).click();
    await page.waitForSelector('.context-list .hit.anchor[data-id="ln-28-web-2-1"]');
    await page.locator('.context-list .hit[data-id="ln-29-web-1-2"] .around').click();
    await page.waitForSelector('.context-list .hit.anchor[data-id="ln-29-web-1-2"]');
    expect(new URL(page.url()).pathname).toBe('/context/ln-29-web-1-2');
  });
});

describe('on a phone (390×844)', () => {
  let page: Page;
  beforeAll(async () => {
    page = await signedInPage(browser, collector.url, collector.tokens.read, { width: 390, height: 844 });
  });

  /** Nothing wider than the screen: the page never scrolls sideways. */
  async function expectNoSidewaysScroll(): Promise<void> {
    const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    expect(widths).toEqual([390, 390]);
  }

  it('shows rows with the message across the screen, facets behind a button, no sideways scroll', async () => {
    await page.goto(`${collector.url}/`);
    await waitForSummary(page, `${events.length} events`);
    await expectNoSidewaysScroll();
    const message = await page.locator('.hit .message').first().boundingBox();
    expect(message!.width).toBeGreaterThanOrEqual(350);
    const font = await page
      .locator('.hit .message')
      .first()
      .evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
    expect(font).toBeGreaterThanOrEqual(12);
    expect(await page.locator('.facets').isVisible()).toBe(false);
    await page.locator('.facets-toggle').click();
    await page.waitForSelector('[data-facet="host"] .facet-include');
    await expectNoSidewaysScroll();
    await page.screenshot({ path: testScreenshotPath('phone-search.png') });
    await page.locator('.facets-toggle').click();
    await page.locator('.hit .message .text').first().click();
    await page.waitForSelector('.details[data-id]');
    const details = await page.locator('.details').boundingBox();
    expect([details!.x, details!.width]).toEqual([0, 390]);
    await expectNoSidewaysScroll();
    await page.locator('.details .close').click();
    await page.waitForFunction(() => !document.querySelector('.details'));
  });

  it('shows the context merged and in lanes without the page scrolling sideways', async () => {
    await page.goto(`${collector.url}/context/${ANCHOR}`);
    await page.waitForSelector('.context-list .hit.anchor');
    await expectNoSidewaysScroll();
    const anchor = await page.locator('.context-list .hit.anchor .message').boundingBox();
    expect(anchor!.width).toBeGreaterThanOrEqual(350);
    expect(anchor!.y).toBeGreaterThan(0);
    expect(anchor!.y).toBeLessThan(844);
    await page.screenshot({ path: testScreenshotPath('phone-context.png') });
    await page.locator('.segmented button', { hasText: 'Lanes' }).click();
    await page.waitForSelector('.lanes .lane-event.anchor');
    await expectNoSidewaysScroll();
    // The lanes scroll inside their own box.
    const lanes = await page.locator('.lanes-scroll').evaluate((e) => [e.clientWidth, e.scrollWidth > e.clientWidth]);
    expect(lanes).toEqual([390, true]);
  });
});
