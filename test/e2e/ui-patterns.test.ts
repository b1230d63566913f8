import type { Browser, Page } from 'playwright-core';
import { launchBrowser, signedInPage } from '../support/browser.js';
import { ingestEvents, refresh, startTestCollector, type TestCollector } from '../support/collector-harness.js';

let collector: TestCollector;
let browser: Browser;
let page: Page;
const END = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
const WINDOW_MS = 10 * 60_000;
const FROM = new Date(END - WINDOW_MS).toISOString();
const TO = new Date(END).toISOString();

/** Four kinds of line, counted in the window and in the ten minutes before it. */
const KINDS = [
  { name: 'login', before: 30, now: 30, line: (i: number) => `user u${i} logged in from 10.0.${i % 9}.${i % 200}` },
  { name: 'timeout', before: 2, now: 40, line: (i: number) => `payment gateway timeout after ${300 + i} ms` },
  { name: 'disk', before: 0, now: 10, line: (i: number) => `disk /dev/sda${i % 4} is ${80 + (i % 20)}% full` },
  { name: 'cache', before: 20, now: 5, line: (i: number) => `cache warmed with ${1000 + i} keys` },
];

async function summary(text: string): Promise<void> {
  await page.waitForFunction((t) => document.querySelector('.patterns-summary')?.textContent?.startsWith(t), text, {
    timeout: 15_000,
  });
}

/** The pattern rows as shown: count and pattern text. */
async function rows(): Promise<[number, string][]> {
  return page
    .locator('.patterns-table tbody tr')
    .evaluateAll((trs) =>
      trs.map((tr) => [
        Number(tr.querySelector('.num')!.textContent!.replace(/,/g, '')),
        tr.querySelector('.pattern-text')!.textContent!,
      ]),
    );
}

beforeAll(async () => {
  collector = await startTestCollector('ui-patterns');
  const events: object[] = [];
  let n = 0;
  for (const kind of KINDS) {
    for (const [count, start] of [
      [kind.before, END - 2 * WINDOW_MS + 1000],
      [kind.now, END - WINDOW_MS + 1000],
    ] as const) {
      for (let i = 0; i < count; i++) {
        events.push({
          id: `pt-${n++}`,
          timestamp: new Date(start + Math.floor((i / count) * (WINDOW_MS - 2000))).toISOString(),
          host: 'app-1',
          message: kind.line(i),
        });
      }
    }
  }
  expect((await ingestEvents(collector, events)).accepted).toBe(events.length);
  await refresh(collector);
  browser = await launchBrowser();
  page = await signedInPage(browser, collector.url, collector.tokens.read);
});

afterAll(async () => {
  await browser?.close();
  await collector?.dispose();
});

describe('the Patterns tab', () => {
  it('lists the window as patterns with counts, changes and sparklines, sorted by count or by surge', async () => {
    await page.goto(`${collector.url}/?tab=patterns&from=${FROM}&to=${TO}`);
    await summary('4 patterns in 85 events');
    expect(await rows()).toEqual([
      [40, 'payment gateway timeout after <*>'],
      [30, 'user <*> logged in from <*>'],
      [10, 'disk <*> is <*>% full'],
      [5, 'cache warmed with <*> keys'],
    ]);
    const changes = await page.locator('.patterns-table .change').allTextContents();
    expect(changes).toEqual(['2 → 40 ×13.67', '30 → 30', 'new', '20 → 5']);
    // Ten minutes in 20-second buckets, the window's end inclusive: one bar per bucket, 31.
    await expect(page.locator('.patterns-table tbody tr').first().locator('.sparkline rect').count()).resolves.toBe(31);

    await page.getByLabel('Sort patterns').selectOption('surge');
    await page.waitForFunction(() =>
      document.querySelector('.patterns-table tbody tr:nth-child(2) .pattern-text')?.textContent?.startsWith('disk'),
    );
    expect((await rows()).map(([, text]) => text.split(' ')[0])).toEqual(['payment', 'disk', 'user', 'cache']);
  });

  it('excludes a pattern or filters the search to it with one click', async () => {
    await page.goto(`${collector.url}/?tab=patterns&from=${FROM}&to=${TO}`);
    await summary('4 patterns in 85 events');
    await page.locator('tr', { hasText: 'payment gateway' }).locator('.pattern-exclude').click();
    await summary('3 patterns in 45 events');
    expect(new URL(page.url()).searchParams.get('q')).toBe('NOT ("payment gateway timeout after")');

    await page.locator('tr', { hasText: 'disk' }).locator('.pattern-filter').click();
    await page.waitForFunction(() => document.querySelector('.summary')?.textContent === '10 events');
    expect(new URL(page.url()).searchParams.get('tab')).toBeNull();
    const ids = await page.locator('.results .hit').evaluateAll((hits) => hits.map((h) => h.getAttribute('data-id')));
    expect(ids).toHaveLength(10);
  });

  it('downloads these results as CSV and NDJSON from the search page', async () => {
    await page.goto(`${collector.url}/?q=disk&from=${FROM}&to=${TO}`);
    await page.waitForFunction(() => document.querySelector('.summary')?.textContent === '10 events');
    const csvHref = await page.locator('.download a', { hasText: 'CSV' }).getAttribute('href');
    const csv = await page.request.get(`${collector.url}${csvHref!}`);
    expect(csv.headers()['content-disposition']).toMatch(/^attachment; filename="logship-.*\.csv"$/);
    const records = (await csv.text()).split('\r\n').filter(Boolean);
    expect(records).toHaveLength(11);
    expect(records.slice(1).every((r) => r.includes(',app-1,') && r.includes('disk /dev/sda'))).toBe(true);
    const ndjsonHref = await page.locator('.download a', { hasText: 'NDJSON' }).getAttribute('href');
    const ndjson = await page.request.get(`${collector.url}${ndjsonHref!}`);
    expect((await ndjson.text()).split('\n').filter(Boolean)).toHaveLength(10);
  });
});
