import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium on PATH (CONTRACT §7); browser downloads do not work here, so there is no fallback. */
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
 * Where browser tests save their screenshots: a temporary folder, looked at after a failure, never docs/ (the
 * README's pictures are refreshed on purpose by `npm run screenshots`).
 */
export function testScreenshotPath(name: string): string {
  const dir = join(tmpdir(), 'logship-test-screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
