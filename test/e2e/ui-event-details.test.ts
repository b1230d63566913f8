import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { EventDetail } from '../../protocol/event.js';
import { signedInPage, testScreenshotPath } from '../support/browser.js';
import { type TestCollector } from '../support/collector-harness.js';
import { startUiSuite, type UiSuite, waitForSummary } from './ui-page.js';

/** The first line of a parser fixture: real output of the software it stands for. */
const firstLine = (...path: string[]) =>
  readFileSync(join(import.meta.dirname, '..', 'fixtures', ...path), 'utf8').split('\n')[0]!;
const NGINX = firstLine('nginx', 'access.log');
const POSTGRES = firstLine('postgres', 'postgresql.log');
const PINO = firstLine('json', 'pino.log');
const READ_AT = new Date(Date.now() - 120_000).toISOString();

let collector: TestCollector;
let ui: UiSuite;
let page: Page;
/** What the API says of each event: the oracle the details are held to. */
const stored = new Map<string, EventDetail>();

async function apiEvent(id: string): Promise<EventDetail> {
  const res = await fetch(`${collector.url}/api/v1/events/${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${collector.tokens.read}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as EventDetail;
}

/** The details panel's rows: field name → the text of its value(s). */
async function detailRows(): Promise<Record<string, string>> {
  return page
    .locator('.details tr[data-field]')
    .evaluateAll((rows) =>
      Object.fromEntries(
        rows.map((r) => [
          r.getAttribute('data-field'),
          [...r.querySelectorAll('td .value-filter, td .value.mono, td time, td.mono')]
            .map((v) => v.textContent)
            .join(' | '),
        ]),
      ),
    );
}

beforeAll(async () => {
  const shipped = [
    { id: 'd-nginx', format: 'nginx', source: '/var/log/nginx/access.log', offset: 0, message: NGINX },
    {
      id: 'd-postgres',
      format: 'postgres',
      source: '/var/log/postgresql/postgresql.log',
      offset: 0,
      message: POSTGRES,
    },
    { id: 'd-pino', format: 'json', source: '/srv/api/app.log', offset: 0, message: PINO },
  ].map((e) => ({ ...e, host: 'web-1', service: 'shop', read_at: READ_AT, fields: { env: 'prod' } }));
  // Nine more nginx lines from another host: the status code the test filters on is counted among them.
  const more = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'nginx', 'access.log'), 'utf8')
    .split('\n')
    .slice(1, 10)
    .map((message, i) => ({
      id: `d-nginx-${i + 1}`,
      format: 'nginx',
      host: 'web-2',
      source: '/var/log/nginx/access.log',
      offset: 1000 * (i + 1),
      message,
    }));
  ui = await startUiSuite('ui-details', [...shipped, ...more]);
  collector = ui.collector;
  for (const e of [...shipped, ...more]) stored.set(e.id, await apiEvent(e.id));
  page = await signedInPage(ui.browser, collector.url, collector.tokens.read);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: collector.url });
});

afterAll(async () => {
  await ui?.close();
});

/** The search of the fixtures' own time (a week before now, as the lines say). */
function searchUrl(q = ''): string {
  const times = [...stored.values()].map((e) => Date.parse(e.timestamp));
  const from = new Date(Math.min(...times) - 60_000).toISOString();
  const to = new Date(Math.max(...times) + 60_000).toISOString();
  return `${collector.url}/?from=${from}&to=${to}${q ? `&q=${encodeURIComponent(q)}` : ''}`;
}

describe('event details', () => {
  it('shows every parsed field, the three times, the file and offset of an nginx, a PostgreSQL and a pino line', async () => {
    await page.goto(searchUrl());
    await waitForSummary(page, '12 events');
    for (const id of ['d-nginx', 'd-postgres', 'd-pino']) {
      const event = stored.get(id)!;
      await page.locator(`.hit[data-id="${id}"] .message .text`).click();
      await page.waitForSelector(`.details[data-id="${id}"]`);
      const rows = await detailRows();
      // Every field the store parsed has a row with its value(s), and nothing else does.
      const expectedFields = Object.fromEntries(
        Object.entries(event.fields).map(([k, v]) => [
          k,
          Array.isArray(v) ? v.map(String).join(' | ') : typeof v === 'object' ? JSON.stringify(v) : String(v),
        ]),
      );
      const shownFields = Object.fromEntries(
        Object.entries(rows).filter(
          ([k]) =>
            ![
              '@timestamp',
              'read',
              'ingested',
              'host',
              'service',
              'level',
              'source',
              'offset',
              'dataset',
              'id',
            ].includes(k),
        ),
      );
      expect(shownFields).toEqual(expectedFields);
      expect(Object.keys(expectedFields).length).toBeGreaterThan(id === 'd-postgres' ? 0 : 3);
      expect(rows['source']).toBe(event.source);
      expect(rows['offset']).toBe('0');
      expect(rows['dataset']).toBe(event.dataset);
      expect(rows['id']).toBe(id);
      // @timestamp from the line, then when it was read and stored, each with how long after.
      const times = await page
        .locator(
          '.details tr[data-field="@timestamp"] time, .details tr[data-field="read"] time, .details tr[data-field="ingested"] time',
        )
        .evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')));
      expect(times).toEqual([event.timestamp, READ_AT, event.ingested]);
      await expect(page.locator('.details tr[data-field="read"] .delta').textContent()).resolves.toMatch(/^\+\d/);
      await expect(page.locator('.details .details-message').textContent()).resolves.toBe(event.message);
    }
    const nginx = stored.get('d-nginx')!;
    expect(nginx.fields['http.response.status_code']).toBe(Number(/" (\d{3}) /.exec(NGINX)![1]));
    expect(nginx.fields['source.ip']).toBe(NGINX.split(' ')[0]);
  });

  it('filters on a clicked value and leaves out another, in the URL and in the counts', async () => {
    const status = stored.get('d-nginx')!.fields['http.response.status_code'] as number;
    const withStatus = [...stored.values()].filter((e) => e.fields['http.response.status_code'] === status);
    await page.goto(`${searchUrl()}&event=d-nginx`);
    await page.waitForSelector('.details[data-id="d-nginx"]');
    await page.screenshot({ path: testScreenshotPath('details.png') });
    await page.locator('.details tr[data-field="http.response.status_code"] .value-filter').click();
    await waitForSummary(page, `${withStatus.length} events`);
    expect(new URL(page.url()).searchParams.get('q')).toBe(`http.response.status_code:${status}`);
    await page.locator('.details tr[data-field="host"] .value-exclude').click();
    const others = withStatus.filter((e) => e.host !== 'web-1').length;
    await waitForSummary(page, `${others} events`);
    expect(new URL(page.url()).searchParams.get('q')).toBe(`http.response.status_code:${status} AND -host:"web-1"`);
  });

  it('copies the event as JSON, and links to it on a page of its own that leads around it', async () => {
    await page.goto(`${searchUrl()}&event=d-pino`);
    await page.waitForSelector('.details[data-id="d-pino"]');
    await page.locator('.details .copy-json').click();
    await page.waitForSelector('.details .copied');
    const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText())) as EventDetail;
    expect(copied).toEqual(stored.get('d-pino'));
    const href = await page.locator('.details .event-link').getAttribute('href');
    expect(href).toBe('/events/d-pino');
    const tab = await page.context().newPage();
    await tab.goto(`${collector.url}${href}`);
    await tab.waitForSelector('.event-page .details[data-id="d-pino"]');
    await expect(tab.locator('.details .details-message').textContent()).resolves.toBe(stored.get('d-pino')!.message);
    await tab.locator('.details .details-context').click();
    await tab.waitForSelector('.context-list .hit.anchor[data-id="d-pino"]');
    await tab.close();
  });

  it('opens the details of the selected row with o and closes them with Escape', async () => {
    await page.goto(searchUrl());
    await waitForSummary(page, '12 events');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('j');
    const id = await page.locator('.hit.selected').getAttribute('data-id');
    await page.keyboard.press('o');
    await page.waitForSelector(`.details[data-id="${id}"]`);
    expect(new URL(page.url()).searchParams.get('event')).toBe(id);
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('.details'));
  });
});
