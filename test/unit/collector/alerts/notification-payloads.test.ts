import { alertRuleInputSchema, type AlertRule } from '../../../../protocol/alert-rule.js';
import { buildNotification, idempotencyKey, slackMessage } from '../../../../collector/alerts/alert-payloads.js';
import { isAllowedUrl, isLinkLocal, redactUrl } from '../../../../collector/alerts/webhook-url.js';

const now = new Date('2026-11-26T10:00:00.000Z');

function rule(input: Record<string, unknown>): AlertRule {
  return { ...alertRuleInputSchema.parse({ name: 'api-errors', ...input }), notify: [] };
}

describe('notification payloads', () => {
  it('keeps one idempotency key per change: the same on every delivery, new for the next change or rule', () => {
    const key = idempotencyKey('uid-1', 'web-1', 3);
    expect(key).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(idempotencyKey('uid-1', 'web-1', 3)).toBe(key);
    expect(new Set([key, idempotencyKey('uid-1', 'web-1', 4), idempotencyKey('uid-2', 'web-1', 3)]).size).toBe(3);
    // The separator keeps ("a", "b1") and ("ab", "1") apart.
    expect(idempotencyKey('a', 'b', 1)).not.toBe(idempotencyKey('a', '', 1));
  });

  it('links to the UI search with the query, the counted window and the host', () => {
    const r = rule({
      query: 'level:error AND service:"api gateway"',
      condition: { type: 'count', window: '5m', op: 'above', threshold: 100, per_host: true },
    });
    const series = {
      key: 'web-1',
      host: 'web-1',
      state: 'firing' as const,
      since: now.toISOString(),
      value: 153,
      firing_since: now.toISOString(),
      recovering_since: null,
      changes: 1,
    };
    const n = buildNotification(r, 'uid', series, 'firing', now, 'https://logs.example.com/ui');
    expect(n.link).toBe(
      'https://logs.example.com/ui/?q=level%3Aerror+AND+service%3A%22api+gateway%22' +
        '&from=2026-11-26T09%3A55%3A00.000Z&to=2026-11-26T10%3A00%3A00.000Z&host=web-1',
    );
    expect(n.window).toEqual({ from: '2026-11-26T09:55:00.000Z', to: '2026-11-26T10:00:00.000Z' });
    expect(n.summary).toBe('api-errors is firing on web-1: 153 matching events in the last 5m (above 100).');
  });

  it('escapes Slack markup in host names and queries, so "<!channel>" cannot ping anyone', () => {
    const r = rule({ query: 'message:"<!here>"', condition: { type: 'host_silent', silent_for: '10m' } });
    const series = {
      key: '<!channel>&<http://evil|x>',
      host: '<!channel>&<http://evil|x>',
      state: 'firing' as const,
      since: now.toISOString(),
      value: 0,
      firing_since: now.toISOString(),
      recovering_since: null,
      changes: 1,
    };
    const text = JSON.stringify(slackMessage(buildNotification(r, 'uid', series, 'firing', now, 'https://l.example/')));
    expect(text).not.toContain('<!');
    expect(text).not.toContain('<http://evil');
    expect(text).toContain('&lt;!channel&gt;&amp;&lt;http://evil|x&gt;');
    expect(text).toContain('message:\\"&lt;!here&gt;\\"');
    // The only link is logship's own, with its query percent-encoded.
    expect(text.match(/<https?:[^>]*>/g)).toEqual([
      expect.stringMatching(
        /^<https:\/\/l\.example\/\?q=message%3A%22%3C%21here%3E%22&from=.*\|Open the events in logship>$/,
      ),
    ]);
  });
});

describe('webhook URLs', () => {
  it('are redacted to scheme and host: paths, queries and user info are secrets', () => {
    expect(redactUrl('https://hooks.slack.com/services/T000/B000/XXXXSECRET')).toBe('https://hooks.slack.com/…');
    expect(redactUrl('https://user:pass@example.com:8443/hook?token=abc')).toBe('https://example.com:8443/…');
    expect(redactUrl('not a url')).toBe('(not a URL)');
  });

  it('are allowed by normalised prefix at a boundary, or by an empty list', () => {
    expect(isAllowedUrl('http://10.1.2.3/x', [])).toBe(true);
    const allowed = ['https://hooks.slack.com', 'https://alerts.example.com/hooks'];
    expect(isAllowedUrl('HTTPS://Hooks.Slack.com:443/services/T/B/X', allowed)).toBe(true);
    expect(isAllowedUrl('https://hooks.slack.com.evil.example/services', allowed)).toBe(false);
    expect(isAllowedUrl('https://hooks.slack.com@evil.example/', allowed)).toBe(false);
    expect(isAllowedUrl('https://alerts.example.com/hooks/team-a', allowed)).toBe(true);
    expect(isAllowedUrl('https://alerts.example.com/hooks?x=1', allowed)).toBe(true);
    expect(isAllowedUrl('https://alerts.example.com/hooks-other', allowed)).toBe(false);
    expect(isAllowedUrl('http://hooks.slack.com/services', allowed)).toBe(false);
  });

  it('to link-local addresses (cloud metadata) are recognised in every spelling', () => {
    expect(['169.254.169.254', '169.254.0.1', 'fe80::1', '::ffff:169.254.169.254'].map(isLinkLocal)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['127.0.0.1', '10.0.0.1', '::1', 'hooks.slack.com', '170.254.1.1'].map(isLinkLocal)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
