import type { RunningCollector } from '../../../collector/main.js';
import type { AlertRuleView } from '../../../protocol/alert-rule.js';
import type { AlertsOverview } from '../../../protocol/alerts-overview.js';
import type { ErrorBody } from '../../../protocol/error-body.js';
import { AlertTestbed, type StoreKind } from '../../support/alert-testbed.js';
import { expectSchema } from '../search/openapi-validator.js';

const STORES: StoreKind[] = ['elasticsearch', 'embedded'];
const SLACK = 'https://hooks.slack.com/services/T0001/B0001/secretsecretsecret';

const rule = {
  name: 'api-errors',
  query: 'service:api AND level:error',
  condition: { type: 'count', window: '5m', op: 'above', threshold: 100, per_host: true },
  notify: [{ type: 'slack', url: SLACK }],
};

describe.each(STORES)('the alert rules API on the %s store', (store) => {
  let bed: AlertTestbed;
  let a: RunningCollector;
  let b: RunningCollector;

  beforeAll(async () => {
    bed = new AlertTestbed(store, `api-${store}`);
    // Neither evaluates (it would post to the Slack URL); both serve the API from the one store.
    a = await bed.start({
      enabled: false,
      delivery: { allowed_urls: ['https://hooks.slack.com/', 'http://127.0.0.1'] },
    });
    b = await bed.start({ enabled: false });
  });

  afterAll(async () => {
    await bed?.dispose();
  });

  it('creates, reads, replaces and deletes rules kept in the store, with URLs redacted', async () => {
    expect((await bed.api(a, 'POST', '/api/v1/alerts/rules', rule, 'nope')).status).toBe(401);
    const forbidden = await bed.api<ErrorBody>(a, 'POST', '/api/v1/alerts/rules', rule, bed.tokens.read);
    expect([forbidden.status, forbidden.body.error.code]).toEqual([403, 'AUTH_FORBIDDEN']);

    const created = await bed.api<AlertRuleView>(a, 'POST', '/api/v1/alerts/rules', rule);
    expect(created.status).toBe(201);
    expectSchema('AlertRule', created.body);
    expect(created.body).toMatchObject({
      name: 'api-errors',
      enabled: true,
      for: '0s',
      resolve: { for: '0s' },
      condition: { type: 'count', window: '5m', op: 'above', threshold: 100, per_host: true, seen_within: '24h' },
      notify: [{ id: 'slack-1', type: 'slack', url_redacted: 'https://hooks.slack.com/…' }],
    });
    expect(JSON.stringify(created.body)).not.toContain('secret');
    const again = await bed.api<ErrorBody>(a, 'POST', '/api/v1/alerts/rules', rule);
    expect([again.status, again.body.error.code]).toEqual([409, 'ALERT_RULE_EXISTS']);

    // The other collector reads the same rule, at the same version, with a read token.
    const onB = await bed.api<AlertRuleView>(b, 'GET', '/api/v1/alerts/rules/api-errors', undefined, bed.tokens.read);
    expect(onB.body).toEqual(created.body);
    const list = await bed.api<{ rules: AlertRuleView[] }>(
      b,
      'GET',
      '/api/v1/alerts/rules',
      undefined,
      bed.tokens.read,
    );
    expectSchema('AlertRuleList', list.body);
    expect(list.body.rules.map((r) => r.name)).toEqual(['api-errors']);

    // A rule read back is sent back as it is, changed: the URL is kept, the version moves on.
    const edited = { ...created.body, for: '2m', created_at: undefined, updated_at: undefined };
    const replaced = await bed.api<AlertRuleView>(b, 'PUT', '/api/v1/alerts/rules/api-errors', edited);
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      for: '2m',
      notify: created.body.notify,
      created_at: created.body.created_at,
    });
    expect(replaced.body.version).not.toBe(created.body.version);
    const stale = await bed.api<ErrorBody>(a, 'PUT', '/api/v1/alerts/rules/api-errors', { ...edited, for: '9m' });
    expect([stale.status, stale.body.error.code]).toEqual([409, 'ALERT_RULE_CONFLICT']);
    const unknownId = await bed.api<ErrorBody>(a, 'PUT', '/api/v1/alerts/rules/api-errors', {
      ...rule,
      notify: [{ id: 'other', type: 'slack' }],
    });
    expect([unknownId.status, unknownId.body.error.code, unknownId.body.error.parameter]).toEqual([
      400,
      'BAD_PARAMETER',
      'notify.0.url',
    ]);

    expect((await bed.api(a, 'DELETE', '/api/v1/alerts/rules/api-errors', undefined, bed.tokens.read)).status).toBe(
      403,
    );
    expect((await bed.api(a, 'DELETE', '/api/v1/alerts/rules/api-errors')).status).toBe(204);
    expect((await bed.api(b, 'GET', '/api/v1/alerts/rules/api-errors')).status).toBe(404);
    expect((await bed.api(b, 'DELETE', '/api/v1/alerts/rules/api-errors')).status).toBe(404);
  });

  it('refuses bad rules with the key or query position, and URLs outside the allow-list or link-local', async () => {
    const badQuery = await bed.api<ErrorBody>(a, 'POST', '/api/v1/alerts/rules', { ...rule, query: 'level:(error' });
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error).toMatchObject({ code: 'QUERY_SYNTAX', position: expect.any(Number) });
    const badWindow = await bed.api<ErrorBody>(a, 'POST', '/api/v1/alerts/rules', {
      ...rule,
      condition: { ...rule.condition, window: '40d' },
    });
    expect(badWindow.body.error).toMatchObject({ code: 'BAD_PARAMETER', parameter: 'condition.window' });
    const outside = await bed.api<ErrorBody>(a, 'POST', '/api/v1/alerts/rules', {
      ...rule,
      notify: [{ type: 'webhook', url: 'https://hooks.slack.com.evil.example/x' }],
    });
    expect(outside.body.error).toMatchObject({ code: 'ALERT_WEBHOOK_NOT_ALLOWED', parameter: 'notify.0.url' });
    expect(outside.body.error.message).toContain('https://hooks.slack.com.evil.example/…');
    // Collector b has no allow-list, but a link-local address (cloud metadata) is never a receiver.
    const metadata = await bed.api<ErrorBody>(b, 'POST', '/api/v1/alerts/rules', {
      ...rule,
      notify: [{ type: 'webhook', url: 'http://169.254.169.254/latest/meta-data/' }],
    });
    expect(metadata.body.error.code).toBe('ALERT_WEBHOOK_NOT_ALLOWED');
    const list = await bed.api<{ rules: AlertRuleView[] }>(a, 'GET', '/api/v1/alerts/rules');
    expect(list.body.rules).toEqual([]);
  });

  it('lets the UI session of an admin token write only with the UI header', async () => {
    const signIn = async (token: string) => {
      const res = await fetch(`${a.url}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
      return res.headers.get('set-cookie')!.split(';')[0]!;
    };
    const post = (cookie: string, headers: Record<string, string> = {}) =>
      fetch(`${a.url}/api/v1/alerts/rules`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ ...rule, name: 'from-ui' }),
      });
    const admin = await signIn(bed.tokens.admin);
    expect((await post(admin)).status).toBe(401);
    expect((await post(admin, { 'x-logship-ui': '0' })).status).toBe(401);
    // A read token's session does not count for an admin route, as for every route: no credentials, 401.
    expect((await post(await signIn(bed.tokens.read), { 'x-logship-ui': '1' })).status).toBe(401);
    expect((await post(admin, { 'x-logship-ui': '1' })).status).toBe(201);
    const overview = await fetch(`${a.url}/api/v1/alerts`, { headers: { cookie: admin } });
    const body = (await overview.json()) as AlertsOverview;
    expectSchema('AlertsOverview', body);
    expect(body).toEqual({
      evaluator: null,
      alerts: [],
      rules: [
        {
          name: 'from-ui',
          enabled: true,
          status: 'ok',
          firing: 0,
          pending: 0,
          evaluated_at: null,
          evaluation_ms: null,
          error: null,
          notifications_waiting: 0,
        },
      ],
    });
    expect((await bed.api(a, 'GET', '/api/v1/alerts?state=bogus')).status).toBe(400);
    expect((await bed.api(a, 'DELETE', '/api/v1/alerts/rules/from-ui')).status).toBe(204);
  });
});
