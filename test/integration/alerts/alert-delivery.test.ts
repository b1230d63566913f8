import type { RunningCollector } from '../../../collector/main.js';
import {
  alertSuite,
  eventsOf,
  notificationOf,
  sleep,
  someEvents,
  type StoreKind,
} from '../../support/alert-testbed.js';
import { WebhookReceiver, type ReceivedRequest } from '../../support/webhook-receiver.js';

const STORES: StoreKind[] = ['elasticsearch', 'embedded'];

/** A rule that fires on one event of `service` and resolves 3 s later, notifying `url`. */
const burstRule = (name: string, service: string, url: string) => ({
  name,
  query: `service:${service}`,
  condition: { type: 'count' as const, window: '3s', op: 'above' as const, threshold: 0 },
  notify: [{ type: 'webhook' as const, url }],
});

describe.each(STORES)('alert delivery on the %s store', (store) => {
  const suite = alertSuite(store, `delivery-${store}`);

  /** The collector of `collectors` that holds the evaluation lease, once one does. */
  async function holderOf(collectors: readonly RunningCollector[]): Promise<RunningCollector> {
    for (let i = 0; i < 200; i++) {
      const held = [];
      for (const c of collectors) if ((await suite.bed.metric(c, 'logship_alert_lease_held')) === 1) held.push(c);
      if (held.length === 1) return held[0]!;
      expect(held.length).toBeLessThanOrEqual(1);
      await sleep(100);
    }
    throw new Error('no collector took the lease');
  }

  it('sends each state change once with two collectors running, also after the evaluator stops', async () => {
    const { bed, receiver } = suite;
    const a = await bed.start();
    const b = await bed.start();
    for (const n of [1, 2, 3]) await bed.createRule(a, burstRule(`dup-${n}`, `dup-${n}`, receiver.url(`/dup/${n}`)));
    const holder = await holderOf([a, b]);
    const other = holder === a ? b : a;
    const [viewA, viewB] = [await bed.overview(a), await bed.overview(b)];
    expect(viewA.evaluator?.holder).toEqual(expect.any(String));
    expect(viewB.evaluator).toEqual(viewA.evaluator);
    await bed.ingest(other, [
      ...someEvents(2, { service: 'dup-1' }),
      ...someEvents(3, { service: 'dup-2' }),
      ...someEvents(4, { service: 'dup-3' }),
    ]);
    await receiver.until('3 firing and 3 resolved', (r) => r.filter((x) => x.path.startsWith('/dup/')).length >= 6);
    await sleep(2000);
    for (const n of [1, 2, 3]) expect(eventsOf(receiver.at(`/dup/${n}`))).toEqual(['firing', 'resolved']);
    expect(receiver.at('/dup/2').map((r) => notificationOf(r).value)).toEqual([3, 0]);

    // The evaluator stops cleanly (it releases the lease): the other one takes over and goes on alone.
    await bed.stop(holder);
    expect(await holderOf([other])).toBe(other);
    await bed.ingest(other, someEvents(5, { service: 'dup-1' }));
    await receiver.until('dup-1 again', (r) => r.filter((x) => x.path === '/dup/1').length >= 4);
    await sleep(2000);
    expect(eventsOf(receiver.at('/dup/1'))).toEqual(['firing', 'resolved', 'firing', 'resolved']);
    expect(new Set(receiver.at('/dup/1').map((r) => notificationOf(r).idempotency_key)).size).toBe(4);
    expect(receiver.received.filter((x) => x.path.startsWith('/dup/'))).toHaveLength(8);
    expect(await bed.metric(other, 'logship_alert_lease_acquisitions_total')).toBe(1);
    for (const n of [1, 2, 3]) await bed.api(other, 'DELETE', `/api/v1/alerts/rules/dup-${n}`);
    await bed.stop(other);
  });

  it('keeps a notification while the receiver is down and delivers it once when it is back', async () => {
    const { bed } = suite;
    const down = await WebhookReceiver.start();
    await down.down();
    const collector = await bed.start();
    await bed.createRule(collector, burstRule('outage', 'outage', down.url('/outage')));
    await bed.ingest(collector, someEvents(1, { service: 'outage' }));
    for (let i = 0; (await bed.metric(collector, 'logship_alert_notification_failures_total')) < 5; i++) {
      if (i > 300) throw new Error('no failed attempts');
      await sleep(100);
    }
    const status = (await bed.overview(collector)).rules.find((r) => r.name === 'outage');
    expect(status?.notifications_waiting).toBeGreaterThanOrEqual(1);
    const back = Date.now();
    await down.up();
    await down.until('the firing after the outage', (r) => r.length >= 1);
    const delayMs = down.received[0]!.at - back;
    await down.until('the resolved one', (r) => r.length >= 2);
    await sleep(2000);
    expect(eventsOf(down.received)).toEqual(['firing', 'resolved']);
    const failures = await bed.metric(collector, 'logship_alert_notification_failures_total', { reason: 'network' });
    const attempts = await bed.metric(collector, 'logship_alert_notification_attempts_total');
    expect(attempts).toBe(failures + 2);
    expect(await bed.metric(collector, 'logship_alert_notifications_delivered_total')).toBe(2);
    // max_backoff is 1 s: an attempt comes at most about a second (plus a round) after the receiver is back.
    expect(delayMs).toBeLessThan(3000);
    process.stderr.write(
      `[${store}] receiver down: ${failures} failed attempts, delivered ${delayMs} ms after it was back\n`,
    );
    await bed.api(collector, 'DELETE', '/api/v1/alerts/rules/outage');
    await bed.stop(collector);
    await down.close();
  });

  it('honours Retry-After from a busy receiver and delivers once', async () => {
    const { bed } = suite;
    const busy = await WebhookReceiver.start();
    busy.answer = (_request, index) => (index < 2 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 });
    const collector = await bed.start();
    await bed.createRule(collector, burstRule('busy', 'busy', busy.url('/busy')));
    await bed.ingest(collector, someEvents(1, { service: 'busy' }));
    await busy.until('three attempts and the resolved one', (r) => r.length >= 4);
    await sleep(1500);
    const [first, second, third, fourth] = busy.received as [
      ReceivedRequest,
      ReceivedRequest,
      ReceivedRequest,
      ReceivedRequest,
    ];
    expect(busy.received).toHaveLength(4);
    expect(eventsOf(busy.received)).toEqual(['firing', 'firing', 'firing', 'resolved']);
    expect(new Set([first, second, third].map((r) => notificationOf(r).idempotency_key)).size).toBe(1);
    expect(second.at - first.at).toBeGreaterThanOrEqual(1000);
    expect(third.at - second.at).toBeGreaterThanOrEqual(1000);
    expect(notificationOf(fourth).idempotency_key).not.toBe(notificationOf(first).idempotency_key);
    expect(
      await bed.metric(collector, 'logship_alert_notification_failures_total', { reason: 'http_unavailable' }),
    ).toBe(2);
    await bed.api(collector, 'DELETE', '/api/v1/alerts/rules/busy');
    await bed.stop(collector);
    await busy.close();
  });

  it('delivers a notification queued before a collector restart once after it', async () => {
    const { bed } = suite;
    const later = await WebhookReceiver.start();
    await later.down();
    const first = await bed.start();
    await bed.createRule(first, {
      ...burstRule('restart', 'restart', later.url('/restart')),
      condition: { type: 'count', window: '1h', op: 'above', threshold: 0 },
    });
    await bed.ingest(first, someEvents(1, { service: 'restart' }));
    for (let i = 0; (await bed.metric(first, 'logship_alert_notification_failures_total')) < 1; i++) {
      if (i > 300) throw new Error('no failed attempt');
      await sleep(100);
    }
    await bed.stop(first);
    await later.up();
    await sleep(1000);
    expect(later.received).toHaveLength(0);
    const second = await bed.start();
    await later.until('the firing from before the restart', (r) => r.length >= 1);
    await sleep(2000);
    expect(eventsOf(later.received)).toEqual(['firing']);
    expect(await bed.metric(second, 'logship_alert_notifications_delivered_total')).toBe(1);
    await bed.api(second, 'DELETE', '/api/v1/alerts/rules/restart');
    await bed.stop(second);
    await later.close();
  });
});
