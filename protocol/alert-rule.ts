import { z } from 'zod';
import { parseDuration } from '../config/duration.js';
import { isoTime } from './wire-values.js';

/** Bounds of what an alert rule may ask for; docs/alerts.md states them. */
export const ALERT_LIMITS = {
  /** Rules a store keeps: every rule is evaluated on every round. */
  maxRules: 1000,
  /** Notifiers per rule. */
  maxNotifiers: 10,
  /** Hosts one per-host rule watches (the most active ones, plus every host already pending or firing). */
  maxSeries: 1000,
  /** The longest window or silence a rule may look back over. */
  maxLookbackMs: 31 * 86_400_000,
  /** The longest `for` and `resolve.for`. */
  maxHoldMs: 7 * 86_400_000,
} as const;

/** Rule names are slugs: they appear in URLs, CLI arguments, store ids and notification keys. */
export const RULE_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const NOTIFIER_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** webhook: the JSON AlertNotification; slack: a Slack incoming-webhook message. */
export const notifierTypeSchema = z.enum(['webhook', 'slack']);

/** A duration written with its unit ("30s", "5m", "2h") between `minMs` and `maxMs`. */
function durationText(minMs: number, maxMs: number) {
  return z.string().refine(
    (text) => {
      const ms = parseDuration(text);
      return ms !== undefined && ms >= minMs && ms <= maxMs;
    },
    { message: `must be a duration from ${minMs / 1000}s to ${maxMs / 86_400_000}d, e.g. 30s, 5m, 2h` },
  );
}

const lookback = durationText(1000, ALERT_LIMITS.maxLookbackMs);
const hold = durationText(0, ALERT_LIMITS.maxHoldMs);

/** Matching events counted over `window`: above or below `threshold`, for all hosts together or for each host. */
const countCondition = z
  .strictObject({
    type: z.literal('count'),
    window: lookback.describe('The span counted, ending at each evaluation, e.g. 5m.'),
    op: z.enum(['above', 'below']).describe('above: more than threshold matching events; below: fewer.'),
    threshold: z.number().int().min(0).max(1_000_000_000),
    per_host: z.boolean().default(false).describe('One alert per host instead of one over all hosts.'),
    seen_within: lookback
      .default('24h')
      .describe('Per host and below: the hosts watched are those with matching events within this span.'),
  })
  .describe('Matching events counted over the window.');

/** A host that had matching events within `seen_within` and none for `silent_for`. */
const silentCondition = z
  .strictObject({
    type: z.literal('host_silent'),
    silent_for: lookback.describe('Fires for a host without a matching event for this long.'),
    seen_within: lookback.default('24h').describe('The hosts watched: those with matching events within this span.'),
  })
  .describe('A host that had matching events within seen_within and none for silent_for.');

export const conditionSchema = z.discriminatedUnion('type', [countCondition, silentCondition]);

/**
 * Where notifications go. The URL is a secret (Slack's carries its key in the path): answers show only
 * `url_redacted`, and an update that leaves `url` out keeps the URL stored under the same `id`.
 */
const notifierInput = z.strictObject({
  id: z
    .string()
    .regex(NOTIFIER_ID, 'lower-case letters, digits, _ and - (at most 32)')
    .optional()
    .describe('Names the notifier within the rule; default: its type and number, e.g. slack-1.'),
  type: notifierTypeSchema.describe('webhook: the JSON AlertNotification; slack: a Slack incoming-webhook message.'),
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .max(2048)
    .optional()
    .describe('Required for a new notifier; left out, the URL stored under the same id is kept.'),
  url_redacted: z.string().optional().describe('What the API answers; ignored, so a rule read can be sent back.'),
});

/** A rule as the API, the CLI and the UI send it (docs/alerts.md). */
export const alertRuleInputSchema = z
  .strictObject({
    name: z.string().regex(RULE_NAME, 'lower-case letters, digits, ".", "_" and "-" (at most 63), e.g. api-errors'),
    description: z.string().max(1000).default(''),
    enabled: z.boolean().default(true).describe('false: kept, but not evaluated.'),
    query: z.string().max(16_384).default('').describe('The query language; empty matches every event.'),
    condition: conditionSchema,
    for: hold.default('0s').describe('How long the condition must hold (state pending) before the alert fires.'),
    resolve: z
      .strictObject({
        threshold: z
          .number()
          .int()
          .min(0)
          .max(1_000_000_000)
          .optional()
          .describe('Count conditions: resolved only at or below it (above), at or above it (below).'),
        for: hold.default('0s').describe('How long the resolve condition must hold before the alert resolves.'),
      })
      .prefault({})
      .describe('Hysteresis: a firing alert resolves only past this threshold, held this long.'),
    notify: z.array(notifierInput).max(ALERT_LIMITS.maxNotifiers).default([]),
    version: z
      .string()
      .max(64)
      .optional()
      .describe('The version read earlier: an update is refused (409) when the rule changed since.'),
  })
  .superRefine((rule, ctx) => {
    const c = rule.condition;
    const threshold = rule.resolve.threshold;
    if (c.type === 'count' && c.op === 'below' && c.threshold === 0) {
      ctx.addIssue({ code: 'custom', path: ['condition', 'threshold'], message: 'below 0 can never hold' });
    }
    if (threshold !== undefined) {
      if (c.type !== 'count') {
        ctx.addIssue({ code: 'custom', path: ['resolve', 'threshold'], message: 'applies to count conditions only' });
      } else if (c.op === 'above' ? threshold > c.threshold : threshold < c.threshold) {
        ctx.addIssue({
          code: 'custom',
          path: ['resolve', 'threshold'],
          message: `must be ${c.op === 'above' ? 'at most' : 'at least'} condition.threshold (${c.threshold})`,
        });
      }
    }
    if (c.type === 'host_silent' && parseDuration(c.silent_for)! >= parseDuration(c.seen_within)!) {
      ctx.addIssue({ code: 'custom', path: ['condition', 'seen_within'], message: 'must be longer than silent_for' });
    }
    const ids = new Set<string>();
    rule.notify.forEach((n, i) => {
      const id = n.id ?? defaultNotifierId(rule.notify, i);
      if (ids.has(id)) ctx.addIssue({ code: 'custom', path: ['notify', i, 'id'], message: `"${id}" is used twice` });
      ids.add(id);
    });
  })
  .describe('An alert rule as sent (docs/alerts.md).');

export type AlertRuleInput = z.input<typeof alertRuleInputSchema>;
export type ParsedAlertRule = z.output<typeof alertRuleInputSchema>;
export type AlertCondition = z.output<typeof conditionSchema>;
export type NotifierType = z.infer<typeof notifierTypeSchema>;

/** A notifier's id when none was given: its type and its place among the notifiers of that type (`slack-1`). */
export function defaultNotifierId(notify: readonly { type: NotifierType }[], index: number): string {
  const type = notify[index]!.type;
  return `${type}-${notify.slice(0, index + 1).filter((n) => n.type === type).length}`;
}

/** A notifier as stored: the whole URL, never sent back by the API. */
export interface StoredNotifier {
  id: string;
  type: NotifierType;
  url: string;
}

/** A rule as stored and evaluated. */
export interface AlertRule extends Omit<ParsedAlertRule, 'notify' | 'version'> {
  notify: StoredNotifier[];
}

/** A rule as the API answers it: URLs redacted, with its version and times. */
export const alertRuleViewSchema = z
  .strictObject({
    name: z.string().regex(RULE_NAME),
    description: z.string(),
    enabled: z.boolean(),
    query: z.string(),
    condition: conditionSchema,
    for: z.string(),
    resolve: z.strictObject({ threshold: z.number().int().min(0).optional(), for: z.string() }),
    notify: z.array(
      z.strictObject({
        id: z.string(),
        type: notifierTypeSchema,
        url_redacted: z.string().describe('Scheme and host only, e.g. https://hooks.slack.com/…'),
      }),
    ),
    version: z.string().describe('Send it back with an update to refuse overwriting a newer change (409).'),
    created_at: isoTime,
    updated_at: isoTime,
  })
  .describe('A rule as answered: notifier URLs redacted, with its version and times.');
export type AlertRuleView = z.infer<typeof alertRuleViewSchema>;

/** The answer of `GET /api/v1/alerts/rules`. */
export const alertRuleListSchema = z.strictObject({ rules: z.array(alertRuleViewSchema) });
