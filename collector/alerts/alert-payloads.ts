import { createHash } from 'node:crypto';
import { parseDuration } from '../../config/duration.js';
import type { AlertNotification } from '../../protocol/alert-notification.js';
import type { AlertRule, NotifierType } from '../../protocol/alert-rule.js';
import { searchViewLink } from '../../protocol/view-link.js';
import type { SeriesRecord } from './alert-documents.js';
import { countWindow } from './rule-measure.js';

/**
 * The key of one state change of one alert: the same on every delivery of it (so a receiver can drop a repeat),
 * different for every other change, also of a later rule of the same name (its uid differs).
 */
export function idempotencyKey(ruleUid: string, seriesKey: string, changes: number): string {
  return createHash('sha256').update(`${ruleUid}\0${seriesKey}\0${changes}`).digest('base64url').slice(0, 32);
}

/**
 * The window and hosts the notification links to: for a count, the counted window (and the host of a per-host
 * rule); for a silent host, its events within `seen_within`, so the last ones it sent are on screen.
 */
export function linkedView(rule: AlertRule, host: string | null, now: Date) {
  const c = rule.condition;
  const from =
    c.type === 'host_silent' ? new Date(now.getTime() - parseDuration(c.seen_within)!) : countWindow(rule, now).from;
  return { q: rule.query, from: from.toISOString(), to: now.toISOString(), hosts: host === null ? [] : [host] };
}

function summary(rule: AlertRule, series: SeriesRecord, event: 'firing' | 'resolved'): string {
  const c = rule.condition;
  const on = series.host === null ? '' : ` on ${series.host}`;
  const events = (n: number) => `${n} matching event${n === 1 ? '' : 's'}`;
  if (c.type === 'host_silent') {
    return event === 'firing'
      ? `${rule.name} is firing: host ${series.host} sent no matching events for ${c.silent_for}.`
      : `${rule.name} is resolved: host ${series.host} sends matching events again (${events(series.value)} in ${c.silent_for}).`;
  }
  return event === 'firing'
    ? `${rule.name} is firing${on}: ${events(series.value)} in the last ${c.window} (${c.op} ${c.threshold}).`
    : `${rule.name} is resolved${on}: ${events(series.value)} in the last ${c.window}.`;
}

/** The notification of a state change of `series` (already in its new state), as every receiver gets it. */
export function buildNotification(
  rule: AlertRule,
  ruleUid: string,
  series: SeriesRecord,
  event: 'firing' | 'resolved',
  now: Date,
  publicUrl: string,
): AlertNotification {
  const view = linkedView(rule, series.host, now);
  return {
    version: 1,
    idempotency_key: idempotencyKey(ruleUid, series.key, series.changes),
    event,
    rule: { name: rule.name, description: rule.description, query: rule.query, condition: rule.condition },
    host: series.host,
    value: series.value,
    changed_at: now.toISOString(),
    firing_since: series.firing_since ?? now.toISOString(),
    window: { from: view.from, to: view.to },
    link: searchViewLink(publicUrl, view),
    summary: summary(rule, series, event),
  };
}

/** Slack's mrkdwn control characters: host names and queries are attacker-influenced text, never markup. */
function slackEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A Slack incoming-webhook message: `text` for notifications and clients without blocks, a section with the
 * summary and the link, and a context line with the query. Escaped so `<!channel>` in a host name stays text.
 */
export function slackMessage(n: AlertNotification): object {
  const mark = n.event === 'firing' ? ':rotating_light: *FIRING*' : ':white_check_mark: *RESOLVED*';
  const summaryText = slackEscape(clip(n.summary, 1500));
  const query = n.rule.query === '' ? 'every event' : slackEscape(clip(n.rule.query, 500));
  return {
    text: `${n.event === 'firing' ? 'FIRING' : 'RESOLVED'}: ${summaryText}`,
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `${mark} ${summaryText}\n<${n.link}|Open the events in logship>` },
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `query: ${query} · key ${n.idempotency_key}` }],
      },
    ],
  };
}

/** The request body for a notifier type. */
export function requestBody(type: NotifierType, n: AlertNotification): string {
  return JSON.stringify(type === 'slack' ? slackMessage(n) : n);
}
