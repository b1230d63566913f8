import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../../support/browser.js';

/**
 * `npm start` as a newcomer runs it: a fresh data folder, no Elasticsearch, start, wait until ready, write a line to
 * a watched file, find it through the API and in the web UI (signed in by the printed one-time link), stop with
 * Ctrl-C, write another line while stopped, start again: both lines are there once each, in the API and the UI.
 */
const CLI = join(import.meta.dirname, '..', '..', '..', 'bin', 'logship.js');

interface Standalone {
  child: ChildProcess;
  url: string;
  token: string;
  /** The one-time `/login?code=…` link printed for the browser. */
  loginLink: string;
  output: () => string;
}

function start(dataDir: string): Promise<Standalone> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOGSHIP_DATA_DIR: dataDir, LOGSHIP_LISTEN: '127.0.0.1:0' };
  delete env.LOGSHIP_ES_URL;
  const child = spawn(process.execPath, [CLI, 'standalone'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`standalone did not start in 30 s:\n${out}\n${err}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`standalone exited with ${code}:\n${out}\n${err}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /logship is running: (\S+)/.exec(out)?.[1];
      const token = /LOGSHIP_TOKEN=(\S+)/.exec(out)?.[1];
      const loginLink = /sign in: (\S+\/login\?code=\S+)/.exec(out)?.[1];
      if (url && token && loginLink) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, url, token, loginLink, output: () => `${out}\n${err}` });
      }
    });
  });
}

function stop(run: Standalone): Promise<number | null> {
  return new Promise((resolve) => {
    run.child.once('exit', (code) => resolve(code));
    run.child.kill('SIGINT');
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function hits(run: Standalone, q: string): Promise<{ id: string; message: string }[]> {
  const res = await fetch(`${run.url}/api/v1/search?from=now-1h&limit=100&q=${encodeURIComponent(q)}`, {
    headers: { authorization: `Bearer ${run.token}` },
  });
  if (res.status !== 200) throw new Error(`search answered ${res.status}`);
  return ((await res.json()) as { hits: { id: string; message: string }[] }).hits;
}

/** Opens the printed one-time login link in a fresh browser profile, as a newcomer would: lands on the search page. */
async function signIn(browser: Browser, run: Standalone): Promise<{ tab: Page; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const tab = await context.newPage();
  await tab.goto(run.loginLink);
  // The link signs in and redirects to the search page, which shows the query bar.
  await tab.waitForSelector('#q', { timeout: 15_000 });
  expect(new URL(tab.url()).pathname).toBe('/');
  return { tab, close: () => context.close() };
}

/**
 * Types `query` into the search bar and presses Enter. Answers the rows and the summary once the list shows
 * exactly `expected` rows, or what it showed when it never did (so a wrong count fails with the numbers).
 */
async function findInUi(
  tab: Page,
  query: string,
  expected: number,
): Promise<{ rows: number; summary: string; texts: string[] }> {
  await tab.fill('#q', query);
  await tab.press('#q', 'Enter');
  // Polled from here: this suite is type-checked without the DOM library, so no browser-side predicate.
  const until = Date.now() + 15_000;
  while (Date.now() < until) {
    const shown =
      new URL(tab.url()).searchParams.get('q') === query &&
      (await tab.locator('.hit').count()) === expected &&
      ((await tab.locator('.summary').textContent()) ?? '').startsWith(`${expected} event`);
    if (shown) break;
    await tab.waitForTimeout(100);
  }
  return {
    rows: await tab.locator('.hit').count(),
    summary: (await tab.locator('.summary').textContent()) ?? '',
    texts: await tab.locator('.hit .message .text').allTextContents(),
  };
}

describe('logship standalone on the embedded store', () => {
  let dataDir: string;
  let browser: Browser;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'logship-standalone-'));
    // Fails the suite with the reason when Chromium cannot start (see docs/testing.md): never skipped.
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds a line written to a watched file, and after a restart nothing is lost or repeated', async () => {
    const log = join(dataDir, 'logs', 'newcomer.log');
    mkdirSync(join(dataDir, 'logs'), { recursive: true });
    let run = await start(dataDir);
    await waitFor('readiness', async () => ((await fetch(`${run.url}/readyz`)).status === 200 ? true : undefined));
    appendFileSync(log, `${new Date().toISOString()} INFO newcomer wrote the first line\n`);
    const first = await waitFor('the first line', async () => {
      const found = await hits(run, 'newcomer');
      return found.length === 1 ? found : undefined;
    });
    expect(first.map((h) => h.message)).toEqual([expect.stringContaining('newcomer wrote the first line')]);
    const firstUi = await signIn(browser, run);
    const seen = await findInUi(firstUi.tab, '"newcomer wrote the first line"', 1);
    await firstUi.close();
    expect(seen).toEqual({
      rows: 1,
      summary: '1 events',
      texts: [expect.stringContaining('newcomer wrote the first line')],
    });
    expect(await stop(run)).toBe(0);

    appendFileSync(log, `${new Date().toISOString()} INFO newcomer wrote the second line while logship was stopped\n`);
    run = await start(dataDir);
    try {
      const both = await waitFor('both lines', async () => {
        const found = await hits(run, 'newcomer');
        return found.length >= 2 ? found : undefined;
      });
      // A moment more: a line shipped twice would show up now.
      await new Promise((r) => setTimeout(r, 1500));
      const again = await hits(run, 'newcomer');
      expect(again.map((h) => h.id)).toEqual(both.map((h) => h.id));
      expect(again.map((h) => h.message)).toEqual([
        expect.stringContaining('second line while logship was stopped'),
        expect.stringContaining('newcomer wrote the first line'),
      ]);
      // The new start printed a new one-time link: the first line is still there once, next to the second.
      const ui = await signIn(browser, run);
      expect(await findInUi(ui.tab, '"newcomer wrote the first line"', 1)).toEqual({
        rows: 1,
        summary: '1 events',
        texts: [expect.stringContaining('newcomer wrote the first line')],
      });
      const bothInUi = await findInUi(ui.tab, '"newcomer wrote"', 2);
      await ui.close();
      expect(bothInUi.rows).toBe(2);
      expect(bothInUi.texts).toEqual([
        expect.stringContaining('newcomer wrote the second line while logship was stopped'),
        expect.stringContaining('newcomer wrote the first line'),
      ]);
    } finally {
      expect(await stop(run)).toBe(0);
    }
  });
});
