import type { Browser, Page } from 'playwright-core';
import { signedInPage, testScreenshotPath } from '../support/browser.js';
import { ingestEvents, type TestCollector } from '../support/collector-harness.js';
import { startUiSuite, type UiSuite, waitForSummary } from './ui-page.js';

const HOSTS = ['web-1', 'web-2', 'db-1'];

let collector: TestCollector;
let browser: Browser;
let ui: UiSuite;
let page: Page;
const base = Date.now() - 5 * 60_000;
let all: { id: string; timestamp: string; host: string; source: string; offset: number }[] = [];

/** The API's order: timestamp, then host, source, offset, id. */
function byTime(a: (typeof all)[number], b: (typeof all)[number]): number {
  return (
    a.timestamp.localeCompare(b.timestamp) ||
    a.host.localeCompare(b.host) ||
    a.source.localeCompare(b.source) ||
    a.offset - b.offset
  );
}

/** Every event must be accepted: the UI checks below count on exact totals. */
async function ingest(events: object[]): Promise<void> {
  expect((await ingestEvents(collector, events)).accepted).toBe(events.length);
}

/** Waits until the summary line shows exactly `text`. */
const summary = (text: string) => waitForSummary(page, text);

beforeAll(async () => {
  // Every second for 4 minutes, each host logs one line; db-1 logs a deadlock at event 120.
  const events = Array.from({ length: 720 }, (_, i) => {
    const host = HOSTS[i % 3]!;
    const second = Math.floor(i / 3);
    const deadlock = host === 'db-1' && second === 120;
    return {
      id: `cor-${String(i).padStart(4, '0')}`,
      timestamp: new Date(base + second * 1000).toISOString(),
      host,
      service: host.startsWith('db') ? 'postgres' : 'api',
      source: `/var/log/${host}.log`,
      offset: i * 100,
      level: deadlock ? 'error' : host === 'web-2' && second % 40 === 0 ? 'warn' : 'info',
      message: deadlock ? 'ERROR: deadlock detected on relation orders' : `${host} tick ${second}`,
    };
  });
  ui = await startUiSuite('ui-correlate', events);
  collector = ui.collector;
  browser = ui.browser;
  all = [...events].sort(byTime);
  page = await signedInPage(browser, collector.url, collector.tokens.read);
});

afterAll(async () => {
  await ui?.close();
});

describe('correlating servers in the web UI', () => {
  it('counts facets exactly and includes or excludes a value with one click', async () => {
    await page.goto(`${collector.url}/?from=now-15m`);
    await summary('720 events');
    // The facets ask after the rows are painted.
    await page.waitForSelector('[data-facet="host"] li');
    const hostFacet = page.locator('[data-facet="host"] li');
    await expect(hostFacet.allTextContents()).resolves.toEqual(['db-1240−', 'web-1240−', 'web-2240−']);
    await page.locator('[data-facet="level"] li', { hasText: 'warn' }).locator('.facet-include').click();
    await summary('6 events');
    expect(new URL(page.url()).searchParams.get('q')).toBe('level:"warn"');
    await page.goto(`${collector.url}/`);
    await summary('720 events');
    await page.waitForSelector('[data-facet="host"] li');
    await page.locator('[data-facet="host"] li', { hasText: 'db-1' }).locator('.facet-exclude').click();
    await summary('480 events');
    await page.screenshot({ path: testScreenshotPath('facets.png') });
  });

  it('zooms to a brushed range of the histogram', async () => {
    await page.goto(`${collector.url}/`);
    await summary('720 events');
    const plot = page.locator('.histogram .u-over');
    const box = (await plot.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.72, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.88, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('from')?.startsWith('20'));
    await page.waitForFunction(
      () => !['720 events', ''].includes(document.querySelector('.summary')?.textContent ?? ''),
    );
    const url = new URL(page.url());
    const zoomed = Number((await page.locator('.summary').textContent())!.replace(/\D/g, ''));
    expect(Date.parse(url.searchParams.get('to')!) - Date.parse(url.searchParams.get('from')!)).toBeGreaterThan(0);
    expect(zoomed).toBeGreaterThan(0);
    expect(zoomed).toBeLessThan(720);
  });

  it('shows every host around the deadlock, merged and in lanes, narrowed to chosen hosts, by URL', async () => {
    await page.goto(`${collector.url}/?q=deadlock&from=now-15m`);
    await summary('1 events');
    await page.locator('.hit').first().locator('.around').click();
    await page.waitForSelector('.context-list .hit.anchor');
    expect(new URL(page.url()).pathname).toBe('/context/cor-0362');
    const ids = await page
      .locator('.context-list .hit')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
    // ±50 events across all three hosts, in time order, the anchor in the middle.
    const at = all.findIndex((e) => e.id === 'cor-0362');
    expect(ids).toEqual(all.slice(at - 50, at + 51).map((e) => e.id));
    expect(new Set(all.slice(at - 50, at + 51).map((e) => e.host)).size).toBe(3);
    await page.screenshot({ path: testScreenshotPath('context-merged.png') });

    await page.locator('.segmented button', { hasText: 'Lanes' }).click();
    await page.waitForSelector('.lanes .lane-event.anchor');
    await expect(page.locator('.lane-head').allTextContents()).resolves.toEqual(['time', 'db-1', 'web-1', 'web-2']);
    await page.screenshot({ path: testScreenshotPath('context-lanes.png') });

    // The lanes narrow at once from the rows already there, then reload for the chosen hosts: wait for that answer.
    const narrowed = page.waitForResponse((r) => r.url().includes('/context?') && r.url().includes('host='));
    await page.locator('.ctx-hosts .filter', { hasText: 'web-2' }).click();
    await narrowed;
    await page.waitForSelector('.lanes .lane-event.anchor');
    await expect(page.locator('.lane-head').allTextContents()).resolves.toEqual(['time', 'db-1', 'web-1']);
    const shared = page.url();
    const again = await browser.newPage();
    await again.context().addCookies(await page.context().cookies());
    await again.goto(shared);
    await again.waitForSelector('.lanes .lane-event.anchor');
    await expect(again.locator('.lane-head').allTextContents()).resolves.toEqual(['time', 'db-1', 'web-1']);
    await again.close();
  });

  it('moves with j/k and opens the context of the selected row with c', async () => {
    await page.goto(`${collector.url}/?q=tick&from=now-15m`);
    await summary('719 events');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    // Newest first: second 239 holds web-2 (718), web-1 (717), db-1 (719) in descending order.
    await page.keyboard.press('j');
    await expect(page.locator('.hit.selected').getAttribute('data-id')).resolves.toBe('cor-0718');
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    await expect(page.locator('.hit.selected').getAttribute('data-id')).resolves.toBe('cor-0717');
    await page.keyboard.press('c');
    await page.waitForSelector('.context-list .hit.anchor[data-id="cor-0717"]');
  });

  it('live tail shows a line ingested after opening, and holds new lines while scrolled away', async () => {
    await page.goto(`${collector.url}/?q=live`);
    await summary('0 events');
    await page.locator('button.live').click();
    await new Promise((r) => setTimeout(r, 500));
    await ingest([{ id: 'live-1', timestamp: new Date().toISOString(), host: 'web-1', message: 'live line one' }]);
    await page.waitForSelector('.hit[data-id="live-1"]', { timeout: 10_000 });
    await summary('1 events');
    const now = Date.now();
    await ingest(
      Array.from({ length: 100 }, (_, i) => ({
        id: `live-b${i}`,
        timestamp: new Date(now + i).toISOString(),
        host: 'web-2',
        message: `live burst ${i}`,
      })),
    );
    await summary('101 events');
    await page.locator('.results').evaluate((el) => (el.scrollTop = 600));
    await page.waitForTimeout(200);
    const topBefore = await page.locator('.hit').first().getAttribute('data-id');
    await ingest([{ id: 'live-2', timestamp: new Date().toISOString(), host: 'db-1', message: 'live line two' }]);
    await page.waitForSelector('.new-events', { timeout: 10_000 });
    await expect(page.locator('.new-events').textContent()).resolves.toBe('1 new');
    // Nothing moved under the reader.
    await expect(page.locator('.hit').first().getAttribute('data-id')).resolves.toBe(topBefore);
    await summary('101 events');
    await page.locator('.new-events').click();
    await summary('102 events');
    await page.locator('.results').evaluate((el) => (el.scrollTop = 0));
    await page.waitForSelector('.hit[data-id="live-2"]');
  });

  it('lists hosts with their last event and volume', async () => {
    await page.goto(`${collector.url}/hosts`);
    await page.waitForSelector('.hosts tbody tr');
    const rows = await page.locator('.hosts tbody tr td:first-child').allTextContents();
    expect(rows.sort()).toEqual(['db-1', 'web-1', 'web-2']);
    await page.screenshot({ path: testScreenshotPath('hosts.png') });
  });

  it('completes field names and top values in the query box', async () => {
    await page.goto(`${collector.url}/`);
    await page.waitForSelector('.hit');
    await page.fill('#q', '');
    await page.type('#q', 'serv');
    await expect(page.locator('.suggestions li').allTextContents()).resolves.toContain('service:');
    await page.keyboard.press('Tab');
    await page.type('#q', 'post');
    await page.waitForSelector('.suggestions li');
    await expect(page.locator('.suggestions li').allTextContents()).resolves.toEqual(['service:postgres']);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await summary('240 events');
  });
});
