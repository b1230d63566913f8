import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AlignedContextResult } from '../../protocol/context.js';
import type { Hit } from '../../protocol/event.js';
import type { Browser } from 'playwright-core';
import { launchBrowser, signedInPage, waitShown } from '../support/browser.js';
import { Pipeline } from '../support/pipeline-harness.js';
import { fakeTimeEnv } from '../support/fake-time.js';
import { runLogship, stopProcess, waitFor } from '../support/processes.js';

/**
 * Clock skew with real processes and a really shifted clock: on host db-1 the shipper and the app that writes its
 * log run 90 s behind (libfaketime, as `faketime -f -90s` runs them). A request logged on api-1 causes an error on
 * db-1 50 ms later. The collector must measure db-1's offset from the heartbeats within ±1 s; aligning clocks must
 * then put the error after the request, and without aligning it comes 90 s before it.
 */

/** The app: appends `<its own clock> <LEVEL> <text>` to its log for every line on stdin, then answers "ok". */
const APP = `
const fs = require('node:fs');
const file = process.argv[1];
let rest = '';
process.stdin.on('data', (chunk) => {
  const lines = (rest + chunk).split('\\n');
  rest = lines.pop();
  for (const line of lines) {
    fs.appendFileSync(file, new Date().toISOString() + ' ' + line + '\\n');
    process.stdout.write('ok\\n');
  }
});
`;

/** A running app and a way to make it log a line (resolved once the line is in its file). */
class App {
  readonly child: ChildProcess;
  private acks = 0;

  constructor(file: string, env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, ['-e', APP, file], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      this.acks += text.split('\n').filter(Boolean).length;
    });
  }

  async log(line: string): Promise<void> {
    const want = this.acks + 1;
    this.child.stdin!.write(`${line}\n`);
    while (this.acks < want) await sleep(1);
  }
}

interface HostAnswer {
  host: string;
  clock: {
    offset_ms: number;
    bound_ms: number;
    samples: number;
    skewed: boolean;
    line_delay_ms: number | null;
    lines_agree: boolean;
  } | null;
}

describe('clock skew between two hosts, one 90 s behind', () => {
  const pipeline = new Pipeline('skew');
  const apiLog = join(pipeline.dir, 'api.log');
  const dbLog = join(pipeline.dir, 'db.log');
  let api: App;
  let db: App;
  let request: Hit;
  let error: Hit;
  let browser: Browser | undefined;

  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${pipeline.url}${path}`, { headers: { authorization: `Bearer ${pipeline.tokens.read}` } });
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    writeFileSync(apiLog, '');
    writeFileSync(dbLog, '');
    await pipeline.startCollector();
    const fast = { heartbeat_interval: '300ms', batch: { max_events: 100, max_bytes: '1MiB', max_wait: '100ms' } };
    await pipeline.startShipper('api-1', [apiLog], fast);
    await pipeline.startShipper('db-1', [dbLog], fast, fakeTimeEnv('-90s'));
    api = new App(apiLog);
    db = new App(dbLog, fakeTimeEnv('-90s'));
    // A few heartbeat exchanges each, so the estimate can choose among them.
    await waitFor(
      'both hosts to have a clock estimate from 4 exchanges',
      async () => {
        const hosts = await get<HostAnswer[]>('/api/v1/hosts');
        return hosts.filter((h) => (h.clock?.samples ?? 0) >= 4).length === 2 ? true : undefined;
      },
      60_000,
      250,
    );
    await api.log('INFO request r-7 received: GET /orders/7');
    await sleep(50);
    await db.log('ERROR query for request r-7 failed: deadlock detected');
    const hits = await waitFor(
      'both events to be searchable',
      async () => {
        const page = await get<{ hits: Hit[] }>('/api/v1/search?q=r-7&from=now-10m&order=asc');
        return page.hits.length === 2 ? page.hits : undefined;
      },
      60_000,
      250,
    );
    request = hits.find((h) => h.host === 'api-1')!;
    error = hits.find((h) => h.host === 'db-1')!;
  });

  afterAll(async () => {
    await browser?.close();
    for (const app of [api, db]) if (app) await stopProcess(app.child, 'SIGKILL');
    await pipeline.dispose();
  });

  it('stores the error with its line time, 90 s before the request that caused it', () => {
    expect(request.message).toMatch(/^\S+Z INFO request r-7 received: GET \/orders\/7$/);
    expect(request.timestamp).toBe(request.message.split(' ')[0]);
    expect(error.level).toBe('error');
    const gap = Date.parse(error.timestamp) - Date.parse(request.timestamp);
    expect(gap).toBeGreaterThan(-91_000);
    expect(gap).toBeLessThan(-89_000);
  });

  it('measures db-1 90 s behind within ±1 s and flags it, api-1 on time', async () => {
    const hosts = new Map((await get<HostAnswer[]>('/api/v1/hosts')).map((h) => [h.host, h.clock]));
    const dbClock = hosts.get('db-1')!;
    const apiClock = hosts.get('api-1')!;
    process.stdout.write(
      `clock skew: db-1 ${dbClock.offset_ms} ± ${dbClock.bound_ms} ms (line delay ${dbClock.line_delay_ms} ms), ` +
        `api-1 ${apiClock.offset_ms} ± ${apiClock.bound_ms} ms\n`,
    );
    expect(Math.abs(dbClock.offset_ms + 90_000)).toBeLessThan(1000);
    expect(dbClock.bound_ms).toBeLessThan(1000);
    expect(dbClock.skewed).toBe(true);
    expect(Math.abs(apiClock.offset_ms)).toBeLessThan(1000);
    expect(apiClock.skewed).toBe(false);
    // The app and the shipper of db-1 share its clock: its lines are read shortly after they were written.
    expect(dbClock.line_delay_ms).not.toBeNull();
    expect(dbClock.line_delay_ms!).toBeGreaterThanOrEqual(0);
    expect(dbClock.line_delay_ms!).toBeLessThan(5000);
    expect(dbClock.lines_agree).toBe(true);
    const metrics = await (await fetch(`${pipeline.url}/metrics`)).text();
    const exported = /logship_collector_host_clock_offset_seconds\{host="db-1"\} (-?[\d.e-]+)/.exec(metrics);
    expect(Math.abs(Number(exported?.[1]) + 90)).toBeLessThan(1);
  });

  it('puts the error after the request in the context answer with aligned clocks, and before it without', async () => {
    const plain = await get<{ before: Hit[]; after: Hit[] }>(`/api/v1/events/${request.id}/context`);
    expect(plain.before.map((h) => h.id)).toEqual([error.id]);
    expect(plain.after).toEqual([]);

    const aligned = await get<AlignedContextResult>(`/api/v1/events/${request.id}/context?align=clocks`);
    expect(aligned.before).toEqual([]);
    expect(aligned.after.map((h) => h.id)).toEqual([error.id]);
    const shifted = aligned.after[0]!;
    // The original time stays; the aligned one is the causal order's: 0–1 s after the request.
    expect(shifted.timestamp).toBe(error.timestamp);
    expect(Math.abs(shifted.shift_ms - 90_000)).toBeLessThan(1000);
    const gap = Date.parse(shifted.aligned_timestamp) - Date.parse(aligned.anchor.aligned_timestamp);
    expect(gap).toBeGreaterThan(0);
    expect(gap).toBeLessThan(1000);
    expect(aligned.anchor.shift_ms).toBe(aligned.shifts['api-1'] ?? 0);
  });

  it('orders them the same way in logship context, with and without --align-clocks', async () => {
    const env = { LOGSHIP_COLLECTOR_URL: pipeline.url, LOGSHIP_TOKEN: pipeline.tokens.read };
    const plain = await runLogship(['context', request.id], env);
    expect(plain.code).toBe(0);
    const plainLines = plain.stdout.split('\n').filter(Boolean);
    expect(plainLines).toHaveLength(2);
    expect(plainLines[0]).toMatch(/^ {2}\S+ db-1 ERROR \S+ ERROR query for request r-7 failed/);
    expect(plainLines[1]).toMatch(/^> \S+ api-1 INFO {2}\S+ INFO request r-7 received/);
    const aligned = await runLogship(['context', request.id, '--align-clocks'], env);
    expect(aligned.code).toBe(0);
    const alignedLines = aligned.stdout.split('\n').filter(Boolean);
    expect(alignedLines).toHaveLength(2);
    expect(alignedLines[0]).toMatch(/^> \S+ api-1 INFO {2}\S+ INFO request r-7 received/);
    expect(alignedLines[1]).toMatch(/^ {2}\S+ db-1 ERROR \S+ ERROR query for request r-7 failed/);
    expect(alignedLines[1]).toMatch(/\[clock \+(89|90)\.\d{3} s; line time \S+\]$/);
    expect(alignedLines[1]).toContain(`line time ${error.timestamp}`);
  });

  it('shows the error after the request in the merged view once clocks are aligned, before it otherwise', async () => {
    browser = await launchBrowser();
    const page = await signedInPage(browser, pipeline.url, pipeline.tokens.read);
    const rowIds = () =>
      page.locator('.context-list .hit').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
    await page.goto(`${pipeline.url}/context/${encodeURIComponent(request.id)}`);
    await waitShown(page, '.context-list .hit.anchor');
    expect(await rowIds()).toEqual([error.id, request.id]);
    await expect(page.locator('.clock-shift').count()).resolves.toBe(0);

    await page.locator('button.align-clocks').click();
    await page.waitForURL(/align=clocks/);
    await page.waitForFunction(
      (id) => document.querySelector('.context-list .hit')?.getAttribute('data-id') === id,
      request.id,
    );
    expect(await rowIds()).toEqual([request.id, error.id]);
    // The shifted row shows its correction and keeps the time its line carries.
    const note = await page.locator('.clock-shift').textContent();
    expect(note).toMatch(/^clock \+(89|90)\.\d{3} s · line time /);
    // The choice lives in the URL: a reload keeps the aligned order.
    await page.reload();
    await waitShown(page, '.context-list .hit.anchor');
    expect(await rowIds()).toEqual([request.id, error.id]);
    await expect(page.locator('button.align-clocks').getAttribute('aria-pressed')).resolves.toBe('true');
    // The hosts page shows the measured offset and flags db-1.
    await page.goto(`${pipeline.url}/hosts`);
    const dbClock = page.locator('tr', { hasText: 'db-1' }).locator('.clock');
    await expect(dbClock.textContent()).resolves.toMatch(/^-(89|90)\.\d{3} s ± \d+ ms skewed$/);
  });
});
