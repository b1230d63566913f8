import type { Browser, Page } from 'playwright-core';
import type { RunningCollector } from '../../collector/main.js';
import type { AlertNotification } from '../../protocol/alert-notification.js';
import { AlertTestbed } from '../support/alert-testbed.js';
import { launchBrowser } from '../support/browser.js';
import { freePort } from '../support/processes.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET_PATH = '/hook/secret-path-9f2c';

let bed: AlertTestbed;
let collector: RunningCollector;
let receiver: WebhookReceiver;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  bed = new AlertTestbed('embedded', 'ui');
  receiver = await WebhookReceiver.start();
  // Links in notifications lead to this collector's own UI.
  const port = await freePort();
  collector = await bed.start({ public_url: `http://127.0.0.1:${port}/` }, `127.0.0.1:${port}`);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('dialog', (d) => void d.accept());
});

afterAll(async () => {
  await browser?.close();
  await bed?.dispose();
  await receiver?.close();
});

/** Signs in on the login page and opens the Alerts page through the navigation. */
async function signIn(p: Page, token: string): Promise<void> {
  await p.goto(collector.url);
  await p.fill('#token', token);
  await p.click('button[type=submit]');
  await p.getByRole('link', { name: 'Alerts' }).click();
}

const row = (name: string) => page.locator(`table.alert-rules tr[data-rule="${name}"]`);

describe('the Alerts page', () => {
  it('creates a rule, shows it firing, opens its events, edits it to resolve and deletes it', async () => {
    await signIn(page, bed.tokens.admin);
    await page.waitForSelector('text=No rules yet.');

    await page.click('text=New rule');
    const form = page.getByRole('form', { name: 'New rule' });
    await form.getByLabel('Name').fill('ui-errors');
    await form.getByLabel('Query').fill('service:ui-alert AND level:error');
    await form.getByLabel('Threshold').fill('2');
    await form.getByLabel('Window').fill('1h');
    await form.getByRole('button', { name: 'Add a notifier' }).click();
    await form.getByLabel('Webhook URL').fill(receiver.url(SECRET_PATH));
    await form.getByRole('button', { name: 'Create' }).click();
    await row('ui-errors').waitFor();
    expect(await row('ui-errors').locator('td').nth(2).textContent()).toBe('count above 2 in 1h');

    await bed.ingest(
      collector,
      Array.from({ length: 5 }, (_, i) => ({
        message: `boom ${i}`,
        service: 'ui-alert',
        level: 'error',
        host: 'web-9',
      })),
    );
    await row('ui-errors').locator('.alert-state.firing').waitFor({ timeout: 20_000 });
    const alertRow = page.locator('table.alert-states tr.firing');
    expect(await alertRow.locator('td').allTextContents()).toEqual([
      'firing',
      'ui-errors',
      'all hosts',
      expect.any(String),
      '5',
      'events',
    ]);
    await receiver.until('the firing notification', (r) => r.length >= 1);
    expect(await page.content()).not.toContain('secret-path');

    // The notification's link opens the search with the query and window filled in.
    const link = (receiver.received[0]!.body as AlertNotification).link;
    await page.goto(link);
    await page.waitForSelector('.hit');
    expect(await page.inputValue('#q')).toBe('service:ui-alert AND level:error');
    await page.waitForFunction(() => document.querySelectorAll('.hit').length === 5);
    // The events link of the page goes to the same search.
    await page.goto(`${collector.url}/alerts`);
    await page.locator('table.alert-states tr.firing a').click();
    await page.waitForFunction(() => document.querySelectorAll('.hit').length === 5);
    expect(new URL(page.url()).searchParams.get('q')).toBe('service:ui-alert AND level:error');

    // Raising the threshold resolves it; the URL stays as it was, unseen.
    await page.goto(`${collector.url}/alerts`);
    await row('ui-errors').getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit rule ui-errors' });
    expect(await edit.getByLabel('Webhook URL').getAttribute('placeholder')).toBe(
      'unchanged (http://127.0.0.1:' + new URL(receiver.url()).port + '/…)',
    );
    await edit.getByLabel('Threshold').fill('10');
    await edit.getByRole('button', { name: 'Save' }).click();
    await receiver.until('the resolved notification', (r) => r.length >= 2);
    expect(receiver.received.map((r) => [r.path, (r.body as AlertNotification).event])).toEqual([
      [SECRET_PATH, 'firing'],
      [SECRET_PATH, 'resolved'],
    ]);
    await page.locator('table.alert-states tr.resolved').waitFor({ timeout: 20_000 });

    await row('ui-errors').getByRole('button', { name: 'Delete' }).click();
    await page.waitForSelector('text=No rules yet.');
    expect((await bed.api(collector, 'GET', '/api/v1/alerts/rules/ui-errors')).status).toBe(404);
  });

  it('shows a read-only page to a read token', async () => {
    const reader = await browser.newPage();
    await signIn(reader, bed.tokens.read);
    await reader.waitForSelector('table.alert-rules');
    expect(await reader.locator('text=New rule').count()).toBe(0);
    await reader.close();
  });
});
