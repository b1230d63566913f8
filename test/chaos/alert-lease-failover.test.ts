import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { AlertTestbed, notificationOf, sleep, type Reachable, type StoreKind } from '../support/alert-testbed.js';
import { fakeTimeEnv } from '../support/fake-time.js';
import { freePort, spawnLogship, stopProcess, waitFor } from '../support/processes.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const STORES: StoreKind[] = ['elasticsearch', 'embedded'];

/** A `logship collector` process on the testbed's store. */
interface CollectorProcess extends Reachable {
  child: ChildProcess;
}

describe.each(STORES)('chaos: the alert lease across collector processes on the %s store', (store) => {
  let bed: AlertTestbed;
  let receiver: WebhookReceiver;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    bed = new AlertTestbed(store, `lease-${store}`);
    receiver = await WebhookReceiver.start();
  });

  afterEach(async () => {
    for (const child of children.splice(0)) await stopProcess(child, 'SIGKILL');
  });

  afterAll(async () => {
    await bed?.dispose();
    await receiver?.close();
  });

  /** Starts `logship collector` (with `env` added, e.g. a fake clock) and waits until it answers /readyz. */
  async function spawnCollector(name: string, env: Record<string, string> = {}): Promise<CollectorProcess> {
    const port = await freePort();
    const config = join(bed.dataDir, `${name}.yml`);
    writeFileSync(config, stringify(bed.configFor(`127.0.0.1:${port}`)));
    const child = spawnLogship(
      ['collector', '--config', config],
      { LOGSHIP_ES_URL: '', ...env },
      join(bed.dataDir, `${name}.log`),
    );
    children.push(child);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
      'the collector to be ready',
      async () => ((await fetch(`${url}/readyz`)).ok ? true : undefined),
      30_000,
    );
    return { url, child };
  }

  async function waitUntilHolds(c: Reachable): Promise<number> {
    const started = Date.now();
    await waitFor(
      'the lease',
      async () => ((await bed.metric(c, 'logship_alert_lease_held')) === 1 ? true : undefined),
      30_000,
    );
    return Date.now() - started;
  }

  it('sends again, with the same idempotency key, what a collector killed mid-send had sent', async () => {
    receiver.answer = (request) =>
      request.path === '/midsend' && receiver.at('/midsend').length === 1 ? 'hold' : { status: 200 };
    const a = await spawnCollector('midsend-a');
    await bed.createRule(a, {
      name: 'midsend',
      query: 'service:midsend',
      condition: { type: 'count', window: '1h', op: 'above', threshold: 0 },
      notify: [{ type: 'webhook', url: receiver.url('/midsend') }],
    });
    await waitUntilHolds(a);
    const b = await spawnCollector('midsend-b');
    await bed.ingest(b, [{ message: 'one', service: 'midsend' }]);
    await receiver.until('the held send', (r) => r.some((x) => x.path === '/midsend'));
    const killedAt = Date.now();
    await stopProcess(a.child, 'SIGKILL');
    await receiver.until('the send again', (r) => r.filter((x) => x.path === '/midsend').length >= 2);
    const resentAfterMs = receiver.at('/midsend')[1]!.at - killedAt;
    await sleep(2000);
    const sends = receiver.at('/midsend').map(notificationOf);
    expect(sends.map((n) => n.event)).toEqual(['firing', 'firing']);
    expect(sends[1]!.idempotency_key).toBe(sends[0]!.idempotency_key);
    expect(await bed.metric(b, 'logship_alert_lease_acquisitions_total')).toBe(1);
    expect(await bed.metric(b, 'logship_alert_notifications_delivered_total')).toBe(1);
    // The resolve after the takeover is sent once.
    const raise = await bed.api(b, 'PUT', '/api/v1/alerts/rules/midsend', {
      query: 'service:midsend',
      condition: { type: 'count', window: '1h', op: 'above', threshold: 100 },
      notify: [{ id: 'webhook-1', type: 'webhook' }],
    });
    expect(raise.status).toBe(200);
    await receiver.until('the resolved one', (r) => r.filter((x) => x.path === '/midsend').length >= 3);
    await sleep(1500);
    expect(receiver.at('/midsend').map((r) => notificationOf(r).event)).toEqual(['firing', 'firing', 'resolved']);
    process.stderr.write(`[${store}] holder killed mid-send: sent again ${resentAfterMs} ms later, same key\n`);
    await bed.api(b, 'DELETE', '/api/v1/alerts/rules/midsend');
  });

  it('keeps the lease from a collector whose clock runs 2 minutes ahead until the holder dies', async () => {
    const a = await spawnCollector('skew-a');
    const tenMinutesAgo = new Date(Date.now() - 600_000).toISOString();
    await bed.createRule(a, {
      name: 'skew',
      query: 'service:skew',
      condition: { type: 'count', window: '1h', op: 'above', threshold: 0 },
      notify: [{ type: 'webhook', url: receiver.url('/skew') }],
    });
    await waitUntilHolds(a);
    const b = await spawnCollector('skew-b', fakeTimeEnv('+120s'));
    // B's clock really is ahead: an event without a time gets B's "now".
    const probe = await fetch(`${b.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bed.tokens.ingest}`, 'content-type': 'application/x-ndjson' },
      body: JSON.stringify({ message: 'probe', service: 'skew-probe' }),
    });
    expect(probe.status).toBe(200);
    const from = new Date(Date.now() + 60_000).toISOString();
    const to = new Date(Date.now() + 600_000).toISOString();
    await waitFor(
      'the probe stamped by B',
      async () => {
        const res = await fetch(`${a.url}/api/v1/search?q=service:skew-probe&from=${from}&to=${to}`, {
          headers: { authorization: `Bearer ${bed.tokens.read}` },
        });
        return ((await res.json()) as { total: { value: number } }).total.value === 1 ? true : undefined;
      },
      10_000,
    );
    await bed.ingest(a, [{ message: 'skewed', service: 'skew', timestamp: tenMinutesAgo }]);
    await receiver.until('firing', (r) => r.some((x) => x.path === '/skew'));
    // Four lease TTLs: B sees A renew and never takes over, whatever its clock says.
    await sleep(6000);
    expect(await bed.metric(b, 'logship_alert_lease_acquisitions_total')).toBe(0);
    expect(await bed.metric(a, 'logship_alert_lease_held')).toBe(1);
    const killedAt = Date.now();
    await stopProcess(a.child, 'SIGKILL');
    await waitUntilHolds(b);
    const takeoverMs = Date.now() - killedAt;
    const raise = await bed.api(b, 'PUT', '/api/v1/alerts/rules/skew', {
      query: 'service:skew',
      condition: { type: 'count', window: '1h', op: 'above', threshold: 100 },
      notify: [{ id: 'webhook-1', type: 'webhook' }],
    });
    expect(raise.status).toBe(200);
    await receiver.until('resolved', (r) => r.filter((x) => x.path === '/skew').length >= 2);
    await sleep(1500);
    expect(receiver.at('/skew').map((r) => notificationOf(r).event)).toEqual(['firing', 'resolved']);
    expect(await bed.metric(b, 'logship_alert_lease_acquisitions_total')).toBe(1);
    // The lease TTL is 1.5 s and it is checked every 0.5 s.
    expect(takeoverMs).toBeLessThan(5000);
    process.stderr.write(`[${store}] holder SIGKILLed: the collector 2 min ahead took over after ${takeoverMs} ms\n`);
    await bed.api(b, 'DELETE', '/api/v1/alerts/rules/skew');
  });
});
