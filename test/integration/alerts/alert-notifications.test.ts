import type { AlertNotification } from '../../../protocol/alert-notification.js';
import {
  alertSuite,
  eventsOf,
  notificationOf,
  sleep,
  someEvents,
  type StoreKind,
} from '../../support/alert-testbed.js';
import { expectSchema } from '../search/openapi-validator.js';

const STORES: StoreKind[] = ['elasticsearch', 'embedded'];

describe.each(STORES)('alert notifications on the %s store', (store) => {
  const suite = alertSuite(store, `notify-${store}`);

  it('fires once and resolves once, to a webhook and to Slack, linking to the matching events', async () => {
    const { bed, receiver } = suite;
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
      ...someEvents(10, { service: 'checkout', level: 'error', host: 'web-1' }),
      ...someEvents(7, { service: 'checkout', level: 'info', host: 'web-1' }),
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
    const [firing, resolved] = hooks.map(notificationOf) as [AlertNotification, AlertNotification];
    expectSchema('AlertNotification', firing);
    expectSchema('AlertNotification', resolved);
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

  it('keeps an alert pending for `for` and sends nothing for it', async () => {
    const { bed, receiver } = suite;
    const collector = await bed.start();
    await bed.createRule(collector, {
      name: 'slow-burn',
      query: 'service:spike',
      condition: { type: 'count', window: '1h', op: 'above', threshold: 0 },
      for: '1h',
      notify: [{ type: 'webhook', url: receiver.url('/pending') }],
    });
    await bed.ingest(collector, someEvents(3, { service: 'spike', host: 'web-2' }));
    let pending;
    for (let i = 0; i < 100 && !pending; i++) {
      pending = (await bed.overview(collector)).alerts.find((a) => a.rule === 'slow-burn' && a.value === 3);
      if (!pending) await sleep(200);
    }
    expect(pending).toMatchObject({ rule: 'slow-burn', host: null, state: 'pending', value: 3, firing_since: null });
    const overview = await bed.overview(collector);
    expectSchema('AlertsOverview', overview);
    const status = overview.rules.find((r) => r.name === 'slow-burn');
    expect(status).toMatchObject({ status: 'pending', firing: 0, pending: 1, notifications_waiting: 0, error: null });
    await sleep(1500);
    expect(receiver.at('/pending')).toHaveLength(0);
    expect((await bed.api(collector, 'DELETE', '/api/v1/alerts/rules/slow-burn')).status).toBe(204);
    expect((await bed.overview(collector)).alerts.filter((a) => a.rule === 'slow-burn')).toEqual([]);
    await bed.stop(collector);
  });

  it('stays firing inside the hysteresis band and resolves only below the resolve threshold', async () => {
    const { bed, receiver } = suite;
    const collector = await bed.start();
    await bed.createRule(collector, {
      name: 'band',
      query: 'service:band',
      condition: { type: 'count', window: '6s', op: 'above', threshold: 5 },
      resolve: { threshold: 2 },
      notify: [{ type: 'webhook', url: receiver.url('/band') }],
    });
    // 8 events now and 4 three seconds ahead: the count is 8, then 12, then 4 (in the band: still firing) from
    // t0+6s when the first 8 leave the 6 s window, and 0 from t0+9s when the last 4 leave it too.
    const t0 = Date.now();
    await bed.ingest(collector, [
      ...someEvents(8, { service: 'band', timestamp: new Date(t0).toISOString() }),
      ...someEvents(4, { service: 'band', timestamp: new Date(t0 + 3000).toISOString() }),
    ]);
    await receiver.until('band firing and resolved', (r) => r.filter((x) => x.path === '/band').length >= 2);
    await sleep(1500);
    const [firing, resolved] = receiver.at('/band').map(notificationOf) as [AlertNotification, AlertNotification];
    expect(receiver.at('/band').map((r) => notificationOf(r).event)).toEqual(['firing', 'resolved']);
    expect(firing.value).toBe(8);
    expect(resolved.value).toBe(0);
    // Without the band it would have resolved at t0+6s, when the count fell to 4.
    expect(Date.parse(resolved.changed_at)).toBeGreaterThan(t0 + 9000);
    await bed.api(collector, 'DELETE', '/api/v1/alerts/rules/band');
    await bed.stop(collector);
  });

  it('fires for a host that went silent, only for that host, and resolves when it sends again', async () => {
    const { bed, receiver } = suite;
    const collector = await bed.start();
    await bed.createRule(collector, {
      name: 'silent-hosts',
      query: 'service:beat',
      condition: { type: 'host_silent', silent_for: '3s', seen_within: '1h' },
      notify: [{ type: 'webhook', url: receiver.url('/silent') }],
    });
    await bed.ingest(collector, [
      ...someEvents(1, { service: 'beat', host: 'quiet-1' }),
      ...someEvents(1, { service: 'beat', host: 'busy-1' }),
      ...someEvents(1, { service: 'other', host: 'other-1' }),
    ]);
    // busy-1 keeps sending; quiet-1 does not.
    let beating = true;
    const beat = (async () => {
      while (beating) {
        await bed.ingest(collector, someEvents(1, { service: 'beat', host: 'busy-1' }));
        await sleep(300);
      }
    })();
    try {
      await receiver.until('silence firing', (r) => r.some((x) => x.path === '/silent'));
      const firing = notificationOf(receiver.at('/silent')[0]!);
      expect(firing).toMatchObject({ event: 'firing', host: 'quiet-1', value: 0 });
      expect(firing.summary).toBe('silent-hosts is firing: host quiet-1 sent no matching events for 3s.');
      expect(new URL(firing.link).searchParams.getAll('host')).toEqual(['quiet-1']);
      await bed.ingest(collector, someEvents(1, { service: 'beat', host: 'quiet-1' }));
      await receiver.until('silence resolved', (r) => r.filter((x) => x.path === '/silent').length >= 2);
      await sleep(1000);
    } finally {
      beating = false;
      await beat;
    }
    expect(receiver.at('/silent').map((r) => [notificationOf(r).event, notificationOf(r).host])).toEqual([
      ['firing', 'quiet-1'],
      ['resolved', 'quiet-1'],
    ]);
    await bed.api(collector, 'DELETE', '/api/v1/alerts/rules/silent-hosts');
    await bed.stop(collector);
  });
});
