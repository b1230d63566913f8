import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium on PATH (see docs/testing.md); browser downloads do not work here, so there is no fallback. */
export function chromiumPath(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error("The browser tests need Debian's chromium on PATH: apt-get install chromium (.ci/run does this).");
  }
}

/** Launches headless Chromium with the flags this closed network needs. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * A browser page, in a context of its own, signed in to the collector at `url` with a read token (the session cookie
 * set directly).
 */
export async function signedInPage(
  browser: Browser,
  url: string,
  token: string,
  viewport = { width: 1400, height: 900 },
): Promise<Page> {
  // A context of its own rather than browser.newPage()'s, which refuses a second page (a link opened in a new tab).
  const page = await (await browser.newContext({ viewport })).newPage();
  await page.context().addCookies([{ name: 'logship_session', value: await sessionCookie(url, token), url }]);
  // What went wrong on the page, for waitShown's error: a timeout alone says nothing about why.
  const trouble: string[] = [];
  troubles.set(page, trouble);
  page.on('response', (r) => {
    if (r.status() >= 400) trouble.push(`${r.request().method()} ${r.url()} answered ${r.status()}`);
  });
  page.on('requestfailed', (r) => trouble.push(`${r.method()} ${r.url()} failed: ${r.failure()?.errorText ?? ''}`));
  page.on('pageerror', (err) => trouble.push(`page error: ${err.message}`));
  return page;
}

const troubles = new WeakMap<Page, string[]>();

/**
 * Waits until `selector` is visible on `page`; on timeout the error says what the page showed instead and which of its
 * requests failed (a browser test that fails on a busy CI machine is otherwise not reproducible).
 */
export async function waitShown(page: Page, selector: string, timeout = 30_000): Promise<void> {
  try {
    await page.locator(selector).first().waitFor({ timeout });
  } catch (err) {
    const text = await page
      .locator('body')
      .innerText({ timeout: 1000 })
      .catch(() => '(unreadable)');
    const trouble = troubles.get(page) ?? [];
    throw new Error(
      `${selector} was not shown within ${timeout} ms at ${page.url()}; the page shows: ` +
        `${JSON.stringify(text.slice(0, 400))}; ${trouble.length ? trouble.slice(-5).join('; ') : 'no request failed'}`,
      { cause: err },
    );
  }
}

/** Signs in at `url` with `token` as the UI does and returns the session cookie's value. */
export async function sessionCookie(url: string, token: string): Promise<string> {
  const login = await fetch(`${url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (login.status !== 204) throw new Error(`signing in answered ${login.status}`);
  const cookie = /logship_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
  if (!cookie) throw new Error('signing in set no session cookie');
  return cookie;
}

/**
 * Where browser tests save their screenshots: a temporary folder, looked at after a failure, never docs/ (the
 * README's pictures are refreshed on purpose by `npm run screenshots`).
 */
export function testScreenshotPath(name: string): string {
  const dir = join(tmpdir(), 'logship-test-screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
