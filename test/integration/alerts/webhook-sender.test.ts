import { guardedLookup, LINK_LOCAL_REFUSED } from '../../../collector/alerts/webhook-url.js';
import { WebhookSender } from '../../../collector/alerts/webhook-sender.js';
import type { AlertNotification } from '../../../protocol/alert-notification.js';
import { WebhookReceiver } from '../../support/webhook-receiver.js';

/** The sender as the collector builds it, against real receivers on 127.0.0.1 and real name resolution. */
function sender(allowedUrls: string[] = []): WebhookSender {
  return new WebhookSender({ timeoutMs: 5000, allowedUrls, maxRetryAfterMs: 60_000, userAgent: 'logship-alerts' });
}

const notification = {
  version: 1,
  idempotency_key: 'k'.repeat(32),
  event: 'firing',
  summary: 'api-errors is firing.',
} as unknown as AlertNotification;

function lookup(hostname: string): Promise<{ error: string | null; address: string }> {
  return new Promise((resolve) => {
    guardedLookup(hostname, {}, (err, address) =>
      resolve({ error: (err as { code?: string } | null)?.code ?? null, address: String(address) }),
    );
  });
}

describe('the webhook sender against request forgery', () => {
  let receiver: WebhookReceiver;
  let elsewhere: WebhookReceiver;
  let webhooks: WebhookSender;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    elsewhere = await WebhookReceiver.start();
    webhooks = sender();
  });
  afterAll(async () => {
    await webhooks.close();
    await receiver.close();
    await elsewhere.close();
  });

  it('never connects to a link-local address, in any spelling of it', async () => {
    const urls = [
      'http://169.254.169.254/latest/meta-data/',
      'http://0xa9fea9fe/',
      'http://2852039166/',
      'http://169.254.169.254.:80/',
      'http://[fe80::1]/',
      'http://[::ffff:169.254.169.254]/',
    ];
    const outcomes = await Promise.all(
      urls.map((url) => webhooks.send({ id: 'w', type: 'webhook', url }, notification)),
    );
    expect(outcomes).toEqual(
      urls.map(() => ({ kind: 'drop', reason: 'not_allowed', detail: 'the URL names a link-local address' })),
    );
  });

  it('refuses a name that resolves to a link-local address when it connects', async () => {
    // Name resolution of the notifier's connections: a literal answers itself, so this is the real lookup path.
    expect(await lookup('169.254.169.254')).toEqual({ error: LINK_LOCAL_REFUSED, address: '' });
    expect(await lookup('::ffff:169.254.169.254')).toEqual({ error: LINK_LOCAL_REFUSED, address: '' });
    const local = await lookup('localhost');
    expect(local.error).toBeNull();
    expect(['127.0.0.1', '::1']).toContain(local.address);
  });

  it('does not follow a redirect to another host: a 3xx is a refusal, and the other host hears nothing', async () => {
    receiver.answer = () => ({ status: 307, headers: { location: elsewhere.url('/stolen') } });
    const outcome = await webhooks.send({ id: 'w', type: 'webhook', url: receiver.url('/moved') }, notification);
    expect(outcome).toEqual({ kind: 'drop', reason: 'rejected', detail: 'HTTP 307' });
    expect(receiver.at('/moved').length).toBe(1);
    expect(elsewhere.received.length).toBe(0);
  });

  it('sends only under the allowed prefixes, and delivers there with the idempotency key', async () => {
    receiver.answer = () => ({ status: 200 });
    const limited = sender([receiver.url('/allowed')]);
    try {
      const refused = await limited.send({ id: 'w', type: 'webhook', url: elsewhere.url('/allowed') }, notification);
      expect(refused).toEqual({
        kind: 'drop',
        reason: 'not_allowed',
        detail: 'the URL is outside alerts.delivery.allowed_urls',
      });
      const sent = await limited.send({ id: 'w', type: 'webhook', url: receiver.url('/allowed/team') }, notification);
      expect(sent).toEqual({ kind: 'delivered', status: 200 });
    } finally {
      await limited.close();
    }
    expect(elsewhere.received.length).toBe(0);
    expect(receiver.at('/allowed/team').map((r) => r.headers['idempotency-key'])).toEqual(['k'.repeat(32)]);
  });
});
