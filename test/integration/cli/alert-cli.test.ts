import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningCollector } from '../../../collector/main.js';
import type { AlertRuleView } from '../../../protocol/alert-rule.js';
import { AlertTestbed } from '../../support/alert-testbed.js';
import { runLogship } from '../../support/processes.js';

const SLACK_URL = 'https://hooks.slack.com/services/T0001/B0001/secretsecretsecret';

describe('logship alert', () => {
  let bed: AlertTestbed;
  let collector: RunningCollector;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    bed = new AlertTestbed('embedded', 'cli');
    // An evaluator would try to post to the Slack URL: this collector only serves the API.
    collector = await bed.start({ enabled: false });
    env = { LOGSHIP_COLLECTOR_URL: collector.url, LOGSHIP_TOKEN: bed.tokens.admin, SLACK_HOOK: SLACK_URL };
  });

  afterAll(async () => {
    await bed?.dispose();
  });

  it('creates, lists, shows, updates and deletes a rule, never printing its webhook URL', async () => {
    const created = await runLogship(
      ['alert', 'create', 'api-errors', '--query', 'service:api AND level:error', '--above', '100', '--window', '5m'],
      { ...env, LOGSHIP_TOKEN: bed.tokens.admin },
    );
    expect(created).toMatchObject({ code: 0, stdout: '' });
    expect(created.stderr).toBe('Created alert rule api-errors (count above 100 in 5m).\n');
    const silent = await runLogship(
      [
        'alert',
        'create',
        'web-silent',
        '--query',
        'host:web-*',
        '--silent-for',
        '10m',
        '--slack-env',
        'SLACK_HOOK',
        '--json',
      ],
      env,
    );
    expect(silent.code).toBe(0);
    const view = JSON.parse(silent.stdout) as AlertRuleView;
    expect(view.notify).toEqual([{ id: 'slack-1', type: 'slack', url_redacted: 'https://hooks.slack.com/…' }]);
    expect(silent.stdout + silent.stderr).not.toContain('secretsecret');

    const listed = await runLogship(['alert', 'list'], { ...env, LOGSHIP_TOKEN: bed.tokens.read });
    expect(listed.code).toBe(0);
    expect(
      listed.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')),
    ).toEqual([
      ['api-errors', 'ok', '0', '0', 'count above 100 in 5m', 'service:api AND level:error'],
      ['web-silent', 'ok', '0', '0', 'host silent for 10m', 'host:web-*'],
    ]);

    const updated = await runLogship(['alert', 'update', 'web-silent', '--for', '2m', '--disabled'], env);
    expect(updated).toMatchObject({ code: 0 });
    const shown = await runLogship(['alert', 'show', 'web-silent'], env);
    const after = JSON.parse(shown.stdout) as AlertRuleView;
    expect(after).toMatchObject({ for: '2m', enabled: false, condition: { type: 'host_silent', silent_for: '10m' } });
    // The URL was kept through the update without being sent back.
    expect(after.notify).toEqual(view.notify);
    expect(after.version).not.toBe(view.version);
    expect(shown.stdout).not.toContain('secretsecret');
    expect((await runLogship(['alert', 'list'], env)).stdout).toContain('web-silent\tdisabled\t');

    expect(await runLogship(['alert', 'delete', 'web-silent'], env)).toMatchObject({
      code: 0,
      stderr: 'Deleted alert rule web-silent.\n',
    });
    const gone = await runLogship(['alert', 'delete', 'web-silent'], env);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('NOT_FOUND');
    expect(await runLogship(['alert', 'delete', 'api-errors'], env)).toMatchObject({ code: 0 });
  });

  it('takes a rule file with ${VAR}, and refuses bad rules and weak tokens with their codes', async () => {
    const file = join(bed.dataDir, 'rule.yml');
    writeFileSync(
      file,
      [
        'description: Hosts that stop logging',
        'condition: { type: count, window: 15m, op: below, threshold: 1, per_host: true }',
        'notify: [{ type: slack, url: "${SLACK_HOOK}" }]',
      ].join('\n'),
    );
    const fromFile = await runLogship(['alert', 'create', 'quiet-hosts', '--file', file, '--json'], env);
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({
      name: 'quiet-hosts',
      description: 'Hosts that stop logging',
      condition: { type: 'count', op: 'below', threshold: 1, per_host: true, seen_within: '24h' },
    });
    const again = await runLogship(['alert', 'create', 'quiet-hosts', '--file', file], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('ALERT_RULE_EXISTS');

    const count = ['--above', '1', '--window', '1m'];
    const refusals: [string[], Record<string, string | undefined>, number, string][] = [
      [['--query', 'level:(error', ...count], {}, 2, 'QUERY_SYNTAX'],
      [['--above', '1', '--window', 'soon'], {}, 2, 'condition.window must be a duration'],
      [[...count, '--webhook-env', 'NOPE'], {}, 2, 'the environment variable NOPE is not set'],
      [count, { LOGSHIP_TOKEN: bed.tokens.read }, 1, 'AUTH_FORBIDDEN'],
    ];
    for (const [args, extra, code, text] of refusals) {
      const run = await runLogship(['alert', 'create', 'bad', ...args], { ...env, ...extra });
      expect([args.join(' '), run.code, run.stderr]).toEqual([args.join(' '), code, expect.stringContaining(text)]);
    }
    expect((await runLogship(['alert', 'list'], env)).stdout.split('\n').filter(Boolean)).toHaveLength(1);
  });
});
