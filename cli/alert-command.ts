import { Command, Option } from 'commander';
import { expandEnv, readYamlFile } from '../config/load-config.js';
import { ConfigError } from '../config/config-error.js';
import type { AlertRuleInput, AlertRuleView } from '../protocol/alert-rule.js';
import type { AlertsOverview } from '../protocol/alerts-overview.js';
import { collectorClient, withConnectionOptions, type ConnectionOptions } from './collector-client.js';
import { escapeForTerminal } from './escape-text.js';

/** Flags that describe a rule; `update` applies only those given. */
interface RuleFlags extends ConnectionOptions {
  file?: string;
  description?: string;
  query?: string;
  above?: string;
  below?: string;
  window?: string;
  perHost?: boolean;
  silentFor?: string;
  seenWithin?: string;
  for?: string;
  resolveThreshold?: string;
  resolveFor?: string;
  webhookEnv: string[];
  slackEnv: string[];
  disabled?: boolean;
  enabled?: boolean;
  json?: boolean;
}

const repeat = (value: string, all: string[]) => [...all, value];

function whole(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new ConfigError(`${flag} must be a whole number, not "${text}".`);
  return Number(text);
}

/** A notifier URL from the environment: on the command line it would show in `ps` and in the shell's history. */
function urlFromEnv(flag: string, name: string): string {
  const url = process.env[name];
  if (!url) throw new ConfigError(`${flag} ${name}: the environment variable ${name} is not set.`);
  return url;
}

function ruleFlags(command: Command): Command {
  return command
    .option('--file <rule.yml>', 'the whole rule as YAML or JSON (${VAR} read from the environment); flags override it')
    .option('--description <text>', 'what the rule is for')
    .option('--query <query>', 'which events count (query language; default: every event)')
    .option('--above <n>', 'fire when more than n matching events are in the window')
    .option('--below <n>', 'fire when fewer than n matching events are in the window')
    .option('--window <duration>', 'the window counted, e.g. 5m (with --above or --below)')
    .option('--per-host', 'count per host: one alert per host')
    .option('--silent-for <duration>', 'instead of a count: fire for each host with no matching event for this long')
    .option('--seen-within <duration>', 'hosts watched by --below --per-host and --silent-for (default 24h)')
    .option('--for <duration>', 'the condition must hold this long before firing (pending meanwhile)')
    .option('--resolve-threshold <n>', 'hysteresis: resolve only once the count is back at or past n')
    .option('--resolve-for <duration>', 'hysteresis: the resolve condition must hold this long')
    .option(
      '--webhook-env <VAR>',
      'notify a JSON webhook whose URL is in environment variable VAR (repeatable)',
      repeat,
      [],
    )
    .option(
      '--slack-env <VAR>',
      'notify a Slack incoming webhook whose URL is in environment variable VAR (repeatable)',
      repeat,
      [],
    )
    .addOption(new Option('--disabled', 'keep the rule but do not evaluate it').conflicts('enabled'))
    .option('--enabled', 'evaluate the rule again (update)')
    .option('--json', 'print the rule as the collector answered it');
}

/** Applies the flags to a rule body (a new one, or one read back for `update`). */
function applyFlags(base: Record<string, unknown>, flags: RuleFlags): Record<string, unknown> {
  const rule: Record<string, unknown> = { ...base };
  if (flags.description !== undefined) rule.description = flags.description;
  if (flags.query !== undefined) rule.query = flags.query;
  if (flags.disabled) rule.enabled = false;
  if (flags.enabled) rule.enabled = true;
  if (flags.for !== undefined) rule.for = flags.for;
  const condition = { ...((rule.condition as Record<string, unknown> | undefined) ?? {}) };
  if (flags.silentFor !== undefined) {
    rule.condition = {
      type: 'host_silent',
      silent_for: flags.silentFor,
      ...(flags.seenWithin ? { seen_within: flags.seenWithin } : {}),
    };
  } else if (flags.above !== undefined || flags.below !== undefined || flags.window || flags.perHost) {
    if (flags.above !== undefined && flags.below !== undefined)
      throw new ConfigError('Give --above or --below, not both.');
    const counted = condition.type === 'count' ? condition : {};
    rule.condition = {
      ...counted,
      type: 'count',
      ...(flags.window ? { window: flags.window } : {}),
      ...(flags.above !== undefined ? { op: 'above', threshold: whole('--above', flags.above) } : {}),
      ...(flags.below !== undefined ? { op: 'below', threshold: whole('--below', flags.below) } : {}),
      ...(flags.perHost ? { per_host: true } : {}),
      ...(flags.seenWithin ? { seen_within: flags.seenWithin } : {}),
    };
  }
  if (flags.resolveThreshold !== undefined || flags.resolveFor !== undefined) {
    rule.resolve = {
      ...((rule.resolve as Record<string, unknown> | undefined) ?? {}),
      ...(flags.resolveThreshold !== undefined
        ? { threshold: whole('--resolve-threshold', flags.resolveThreshold) }
        : {}),
      ...(flags.resolveFor !== undefined ? { for: flags.resolveFor } : {}),
    };
  }
  if (flags.webhookEnv.length || flags.slackEnv.length) {
    rule.notify = [
      ...flags.webhookEnv.map((name) => ({ type: 'webhook', url: urlFromEnv('--webhook-env', name) })),
      ...flags.slackEnv.map((name) => ({ type: 'slack', url: urlFromEnv('--slack-env', name) })),
    ];
  }
  return rule;
}

function fromFile(path: string | undefined): Record<string, unknown> {
  return path ? (expandEnv(readYamlFile(path), process.env) as Record<string, unknown>) : {};
}

/** One line for a person: "count above 100 in 5m per host", "host silent for 10m". */
export function describeCondition(rule: AlertRuleView): string {
  const c = rule.condition;
  if (c.type === 'host_silent') return `host silent for ${c.silent_for}`;
  return `count ${c.op} ${c.threshold} in ${c.window}${c.per_host ? ' per host' : ''}`;
}

function printRule(rule: AlertRuleView, json: boolean | undefined, verb: string): void {
  if (json) process.stdout.write(`${JSON.stringify(rule, null, 2)}\n`);
  process.stderr.write(`${verb} alert rule ${rule.name} (${describeCondition(rule)}).\n`);
}

/** `logship alert …`: alert rules and states through the collector API (an admin token changes rules). */
export function alertCommand(): Command {
  const alert = new Command('alert').description(
    'alert rules and their states, through the collector API (LOGSHIP_COLLECTOR_URL, LOGSHIP_TOKEN)',
  );
  withConnectionOptions(
    ruleFlags(alert.command('create').description('create a rule (admin token)').argument('<name>')),
  ).action(async (name: string, flags: RuleFlags) => {
    const client = await collectorClient(flags);
    const body = applyFlags({ ...fromFile(flags.file), name }, flags) as AlertRuleInput;
    printRule(await client.json<AlertRuleView>('POST', '/api/v1/alerts/rules', body), flags.json, 'Created');
  });
  withConnectionOptions(
    ruleFlags(
      alert
        .command('update')
        .description('change a rule: the flags given (or --file) replace those parts; notifiers stay unless given')
        .argument('<name>'),
    ),
  ).action(async (name: string, flags: RuleFlags) => {
    const client = await collectorClient(flags);
    const path = `/api/v1/alerts/rules/${encodeURIComponent(name)}`;
    const current = await client.json<AlertRuleView>('GET', path);
    // Notifiers are sent back by id without URLs: the collector keeps the URLs it has.
    const kept = current.notify.map((n) => ({ id: n.id, type: n.type }));
    const { created_at: _c, updated_at: _u, ...rest } = current;
    const body = applyFlags({ ...rest, notify: kept, ...fromFile(flags.file), name }, flags);
    printRule(await client.json<AlertRuleView>('PUT', path, body), flags.json, 'Updated');
  });
  withConnectionOptions(
    alert
      .command('list')
      .description('list rules: name, status, firing, pending, condition, query')
      .option('--json', 'the rules and their statuses as JSON'),
  ).action(async (opts: ConnectionOptions & { json?: boolean }) => {
    const client = await collectorClient(opts);
    const [{ rules }, overview] = await Promise.all([
      client.json<{ rules: AlertRuleView[] }>('GET', '/api/v1/alerts/rules'),
      client.json<AlertsOverview>('GET', '/api/v1/alerts'),
    ]);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ rules, statuses: overview.rules }, null, 2)}\n`);
      return;
    }
    const status = new Map(overview.rules.map((r) => [r.name, r]));
    for (const rule of rules) {
      const s = status.get(rule.name);
      const state = rule.enabled ? (s?.status ?? 'ok') : 'disabled';
      const line = [rule.name, state, s?.firing ?? 0, s?.pending ?? 0, describeCondition(rule), rule.query || '*'];
      process.stdout.write(`${line.map((v) => escapeForTerminal(String(v))).join('\t')}\n`);
    }
  });
  withConnectionOptions(
    alert
      .command('status')
      .description('alerts pending, firing or lately resolved: state, rule, host, since, value; and the evaluator')
      .option('--firing', 'only firing alerts')
      .option('--json', 'the answer of /api/v1/alerts'),
  ).action(async (opts: ConnectionOptions & { firing?: boolean; json?: boolean }) => {
    const client = await collectorClient(opts);
    const overview = await client.json<AlertsOverview>('GET', `/api/v1/alerts${opts.firing ? '?state=firing' : ''}`);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(overview, null, 2)}\n`);
      return;
    }
    const evaluator = overview.evaluator;
    process.stderr.write(
      evaluator
        ? `Evaluated by ${evaluator.holder} (renewed ${evaluator.renewed_at}).\n`
        : 'No collector evaluates rules now.\n',
    );
    for (const a of overview.alerts) {
      const line = [a.state, a.rule, a.host ?? '-', a.since, a.value];
      process.stdout.write(`${line.map((v) => escapeForTerminal(String(v))).join('\t')}\n`);
    }
  });
  withConnectionOptions(
    alert.command('show').description('print a rule as JSON (notifier URLs redacted)').argument('<name>'),
  ).action(async (name: string, opts: ConnectionOptions) => {
    const client = await collectorClient(opts);
    const rule = await client.json<AlertRuleView>('GET', `/api/v1/alerts/rules/${encodeURIComponent(name)}`);
    process.stdout.write(`${JSON.stringify(rule, null, 2)}\n`);
  });
  withConnectionOptions(
    alert
      .command('delete')
      .description('delete a rule with its alerts and waiting notifications (admin token)')
      .argument('<name>'),
  ).action(async (name: string, opts: ConnectionOptions) => {
    const client = await collectorClient(opts);
    await client.json('DELETE', `/api/v1/alerts/rules/${encodeURIComponent(name)}`);
    process.stderr.write(`Deleted alert rule ${name}.\n`);
  });
  return alert;
}
