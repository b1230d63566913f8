import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { ingestEvents, refresh, startTestCollector, type TestCollector } from '../support/collector-harness.js';

/** Waits until the search summary shows exactly `text` (e.g. "1,390 events"). */
export async function waitForSummary(page: Page, text: string, timeout = 10_000): Promise<void> {
  await page.waitForFunction((t) => document.querySelector('.summary')?.textContent === t, text, { timeout });
}

/** The number in the search summary ("1,390 events" → 1390). */
export async function summaryCount(page: Page): Promise<number> {
  const text = (await page.locator('.summary').textContent()) ?? '';
  return Number(text.replace(/\D/g, ''));
}

/** A collector with the suite's events stored and searchable, and a browser; `close` stops both. */
export interface UiSuite {
  collector: TestCollector;
  browser: Browser;
  close(): Promise<void>;
}

/** A step of a suite's start-up that must end within `ms`, or fail saying which step hung (not jest's bare timeout). */
async function step<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts a suite of browser tests: its own collector (indices named after `name`), every event accepted, Chromium. */
export async function startUiSuite(name: string, events: readonly object[]): Promise<UiSuite> {
  const collector = await step('starting the collector', 40_000, startTestCollector(name));
  try {
    const result = await step(`storing ${events.length} events`, 40_000, ingestEvents(collector, events));
    if (result.accepted !== events.length) {
      throw new Error(
        `the collector accepted ${result.accepted} of ${events.length} events: ${JSON.stringify(result)}`,
      );
    }
    await step('refreshing the indices', 20_000, refresh(collector));
    const browser = await step('starting Chromium', 30_000, launchBrowser());
    return {
      collector,
      browser,
      async close() {
        await browser.close();
        await collector.dispose();
      },
    };
  } catch (err) {
    await collector.dispose();
    throw err;
  }
}
