import type { AlertNotification } from '../../../protocol/alert-notification.js';
import { AlertTestbed, type StoreKind } from '../../support/alert-testbed.js';
import { WebhookReceiver, type ReceivedRequest } from '../../support/webhook-receiver.js';

const STORES: StoreKind[] = ['elasticsearch', 'embedded'];

const events = (n: number, fields: Record<string, unknown>) =>
  Array.from({ length: n }, (_, i) => ({ message: `event ${i}`, ...fields }));
const bodyOf = (r: ReceivedRequest) => r.body as AlertNotification;
const eventsOf = (rs: readonly ReceivedRequest[]) => rs.map((r) => bodyOf(r).event);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(STORES)('alert notifications on the %s store', (store) => {
  let bed: AlertTestbed;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    bed = new AlertTestbed(store, `notify-${store}`);
    receiver = await WebhookReceiver.start();
  });

  afterAll(async () => {
    await bed?.dispose();
    await receiver?.close();
  });

  it('fires once and resolves once, to a webhook and to Slack, linking to the matching events', async () => {
    const collector = await bed.start();
    await bed.createRule(collector, {
      name: 'checkout-errors',
      description: 'Checkout fails',
      query: 'service:checkout AND level:error',
      condition: { type: 'count', window: '5s', op: 'above', threshold: 4 },
      notify: [
        { type: 'webhook', url: receiver.url('/fire/webhook') },
        { type: 'slack', url: receiver.url('/fire/slack') },
      ],
    });
    await bed.ingest(collector, [
      ...events(10, { service: 'checkout', level: 'error', host: 'web-1' }),
      ...events(7, { service: 'checkout', level: 'info', host: 'web-1' }),
    ]);
    await receiver.until(
      'firing and resolved on both',
      (r) => r.filter((x) => x.path.startsWith('/fire/')).length >= 4,
    );
    // Several more rounds: nothing else may arrive.
    await sleep(2000);
    const hooks = receiver.at('/fire/webhook');
    const slack = receiver.at('/fire/slack');
    expect(eventsOf(hooks)).toEqual(['firing', 'resolved']);
    expect(slack).toHaveLength(2);
    const [firing, resolved] = hooks.map(bodyOf) as [AlertNotification, AlertNotification];
    expect(firing).toMatchObject({
      version: 1,
      event: 'firing',
      host: null,
      value: 10,
      rule: { name: 'checkout-errors', query: 'service:checkout AND level:error' },
    });
    expect(resolved).toMatchObject({ event: 'resolved', value: 0, firing_since: firing.changed_at });
    expect(firing.idempotency_key).not.toBe(resolved.idempotency_key);
    expect(hooks[0]!.headers['idempotency-key']).toBe(firing.idempotency_key);
    const link = new URL(firing.link);
    expect(link.origin + link.pathname).toBe('https://logs.example.test/');
    expect(link.searchParams.get('q')).toBe('service:checkout AND level:error');
    expect(Date.parse(link.searchParams.get('to')!) - Date.parse(link.searchParams.get('from')!)).toBe(5000);
    const slackText = JSON.stringify(slack[0]!.body);
    expect(slackText).toContain('FIRING');
    expect(slackText).toContain('checkout-errors is firing: 10 matching events in the last 5s (above 4).');
    expect(await bed.metric(collector, 'logship_alert_notifications_delivered_total')).toBe(4);
    expect(await bed.metric(collector, 'logship_alert_notification_attempts_total')).toBe(4);
    expect(await bed.metric(collector, 'logship_alert_state_changes_total', { to: 'firing' })).toBe(1);
    expect(await bed.metric(collector, 'logship_alert_state_changes_total', { to: 'resolved' })).toBe(1);
    await bed.api(collector, 'DELETE', '/api/v1/alerts/rules/checkout-errors');
    await bed.stop(collector);
  });
});
