import type { Browser, Page } from 'playwright-core';
import { testScreenshotPath } from '../support/browser.js';
import { type TestCollector } from '../support/collector-harness.js';
import { startUiSuite, type UiSuite } from './ui-page.js';

/** Messages a hostile app could log: each would run script if the UI ever treated log text as HTML. */
const PAYLOADS = [
  '<img src=x onerror="alert(1)">',
  '<script>alert(2)</script>',
  '"><svg onload=alert(3)>',
  'javascript:alert(4)',
  '\u001b[31mred\u001b[0m <b>bold?</b>',
];

let collector: TestCollector;
let browser: Browser;
let ui: UiSuite;
let page: Page;
const dialogs: string[] = [];
const cspViolations: string[] = [];

beforeAll(async () => {
  const now = Date.now();
  const hosts = ['web-1', 'web-2', 'db-1'];
  const events: object[] = Array.from({ length: 600 }, (_, i) => ({
    id: `ui-${i}`,
    timestamp: new Date(now - 10 * 60_000 + i * 1000).toISOString(),
    host: hosts[i % 3],
    service: i % 3 === 2 ? 'postgres' : 'api',
    level: i % 50 === 0 ? 'error' : 'info',
    message:
      i % 50 === 0
        ? `request ${i} failed: connection reset by peer\n  at Socket.read (net.js:1)\n  at retry (db.js:2)`
        : `request ${i} ok in ${i % 97} ms`,
  }));
  PAYLOADS.forEach((message, i) =>
    events.push({ id: `xss-${i}`, timestamp: new Date(now - 30_000).toISOString(), host: `<b>evil-${i}</b>`, message }),
  );
  events.push({
    id: 'json-1',
    timestamp: new Date(now - 5 * 60_000 + 500).toISOString(),
    host: 'web-1',
    message: '{"user":"ann","action":"login","ok":true}',
  });
  ui = await startUiSuite('ui', events);
  collector = ui.collector;
  browser = ui.browser;
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) cspViolations.push(m.text());
  });
});

afterAll(async () => {
  await ui?.close();
});

describe('web UI', () => {
  it('refuses a wrong token and signs in with a read token into an HttpOnly, SameSite=Strict cookie', async () => {
    await page.goto(collector.url);
    await page.fill('#token', 'lsp_wrong');
    await page.click('button[type=submit]');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('unknown or revoked');
    await page.fill('#token', collector.tokens.read);
    await page.click('button[type=submit]');
    await page.waitForSelector('.hit');
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([['logship_session', true, 'Strict']]);
    expect(cookies[0]!.value).not.toContain(collector.tokens.read);
    expect(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage))).toBe('{}{}');
  });

  it('shows the total and the newest events first in a virtualized list', async () => {
    await expect(page.locator('.summary').textContent()).resolves.toBe('606 events');
    const first = page.locator('.hit').first();
    await expect(first.getAttribute('data-id')).resolves.toBe('ui-599');
    // Virtualized: only the rows near the viewport exist in the DOM, not all 606.
    const rendered = await page.locator('.hit').count();
    expect(rendered).toBeGreaterThan(20);
    expect(rendered).toBeLessThan(100);
  });

  it('loads the next pages while scrolling, expands JSON messages and jumps to errors with e', async () => {
    // Pages of 200: the oldest event appears only after the list fetched all four pages through cursors.
    for (let i = 0; i < 40 && (await page.locator('.hit[data-id="ui-0"]').count()) === 0; i++) {
      await page.locator('.results').evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await page.waitForTimeout(150);
    }
    await expect(page.locator('.hit[data-id="ui-0"]').count()).resolves.toBe(1);
    await page.locator('.results').evaluate((el) => el.scrollTo(0, 0));
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('e');
    await expect(page.locator('.hit.selected').getAttribute('data-id')).resolves.toBe('ui-550');
    await page.keyboard.press('e');
    await expect(page.locator('.hit.selected').getAttribute('data-id')).resolves.toBe('ui-500');
    await page.goto(`${collector.url}/?q=id:json-1`);
    const row = page.locator('.hit[data-id="json-1"]');
    await row.locator('.fold').click();
    await expect(row.locator('.text').textContent()).resolves.toBe(
      '{\n  "user": "ann",\n  "action": "login",\n  "ok": true\n}',
    );
  });

  it('searches with the query language and keeps the view in the URL', async () => {
    await page.fill('#q', 'level:error AND "connection reset"');
    await page.press('#q', 'Enter');
    await page.waitForFunction(() => document.querySelector('.summary')?.textContent === '12 events');
    expect(new URL(page.url()).searchParams.get('q')).toBe('level:error AND "connection reset"');
    const row = page.locator('.hit').first();
    await expect(row.locator('.fold').textContent()).resolves.toBe('+2 lines');
    await row.locator('.fold').click();
    await expect(row.locator('.message').textContent()).resolves.toContain('at retry (db.js:2)');
    await page.screenshot({ path: testScreenshotPath('search.png') });
    // A permalink restores the same view in a fresh page.
    const again = await browser.newPage();
    await again.context().addCookies(await page.context().cookies());
    await again.goto(page.url());
    await again.waitForFunction(() => document.querySelector('.summary')?.textContent === '12 events');
    await again.close();
  });

  it('filters by host from a row and shows a syntax error at its position', async () => {
    await page.fill('#q', 'request');
    await page.press('#q', 'Enter');
    await page.waitForFunction(() => document.querySelector('.summary')?.textContent === '600 events');
    await page.locator('.hit[data-id="ui-599"] .host').click();
    await page.waitForFunction(() => document.querySelector('.summary')?.textContent === '200 events');
    expect(new URL(page.url()).searchParams.getAll('host')).toEqual(['db-1']);
    await page.fill('#q', 'error AND (');
    await page.press('#q', 'Enter');
    await expect(page.locator('.query-error').textContent()).resolves.toContain('QUERY_SYNTAX');
    await expect(page.locator('.caret').textContent()).resolves.toBe('error AND (\n           ^');
  });

  it('renders hostile log text as text: no script runs, no element is injected, no CSP violation', async () => {
    await page.goto(`${collector.url}/?q=id:xss-*`);
    await page.waitForFunction(() => document.querySelectorAll('.hit').length === 5);
    const texts = await page.locator('.hit .message .text').allTextContents();
    // ANSI colour codes become styles: the escape bytes are gone, the markup-looking text stays text.
    const expected = PAYLOADS.map((p) => p.replaceAll('\u001b[31m', '').replaceAll('\u001b[0m', ''));
    expect(texts.sort()).toEqual(expected.sort());
    expect(await page.locator('.hit .message .ansi-red-fg').textContent()).toBe('red');
    // Host names are attacker-controlled too: neither the rows nor the facets may turn them into elements.
    await page.waitForSelector('[data-facet="host"] .facet-value');
    expect(
      await page.locator('.results img, .results script, .results svg, .results b, .facets b, .facets img').count(),
    ).toBe(0);
    await expect(page.locator('[data-facet="host"] .facet-value').allTextContents()).resolves.toContain(
      '<b>evil-0</b>',
    );
    // The details show the whole event, host and message included, as text too.
    await page.locator('.hit[data-id="xss-0"] a.time').click();
    await page.waitForSelector('.details[data-id="xss-0"]');
    await expect(page.locator('.details .details-message').textContent()).resolves.toBe(PAYLOADS[0]);
    await expect(page.locator('.details tr[data-field="host"] .value-filter').textContent()).resolves.toBe(
      '<b>evil-0</b>',
    );
    expect(await page.locator('.details img, .details b, .details script, .details svg').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
    const csp = (await fetch(collector.url)).headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
  });

  it('signs in once with a one-time login link, and refuses it the second time', async () => {
    const link = collector.loginLink('read');
    const fresh = await browser.newContext();
    const tab = await fresh.newPage();
    await tab.goto(link);
    await tab.waitForSelector('.hit');
    expect(new URL(tab.url()).pathname).toBe('/');
    const other = await browser.newContext();
    const second = await other.newPage();
    await second.goto(link);
    await second.waitForSelector('#token');
    expect(new URL(second.url()).searchParams.get('expired')).toBe('1');
    await fresh.close();
    await other.close();
  });
});
