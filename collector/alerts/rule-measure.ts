import { parseDuration } from '../../config/duration.js';
import { ALERT_LIMITS, type AlertRule } from '../../protocol/alert-rule.js';
import { parseQuery } from '../query/parse-query.js';
import type { LogStore } from '../store/log-store.js';
import type { Measured } from './alert-state-machine.js';

const HOST_FIELD = 'host.name';

/** The window a rule's values are counted over, ending at `now`. */
export function countWindow(rule: AlertRule, now: Date): { from: Date; to: Date } {
  const c = rule.condition;
  const span = parseDuration(c.type === 'count' ? c.window : c.silent_for)!;
  return { from: new Date(now.getTime() - span), to: now };
}

/**
 * Counts what a rule watches at `now`, through the store's ordinary reads (bounded by `search.timeout`):
 * - count over all hosts: the total of a search (exact up to `search.exact_total_up_to`);
 * - count per host, `above`: matching events per host (the ALERT_LIMITS.maxSeries busiest hosts);
 * - count per host, `below`, and host_silent: every host with matching events within `seen_within` is watched,
 *   and its count over the window (0 when it has none) is its value.
 * `watched` are hosts of alerts already pending or firing: they are measured even when they fell out of the lists
 * above, so an alert never stays firing only because its host stopped showing up.
 */
export async function measureRule(
  store: LogStore,
  rule: AlertRule,
  now: Date,
  watched: readonly string[],
): Promise<Measured[]> {
  const query = parseQuery(rule.query);
  const window = countWindow(rule, now);
  const c = rule.condition;
  if (c.type === 'count' && !c.per_host) {
    const page = await store.search({ query, ...window, limit: 1, order: 'desc', exactTotal: true });
    return [{ key: '', host: null, value: page.total.value }];
  }
  const perHost = async (from: Date): Promise<Map<string, number>> => {
    const top = await store.topValues({ query, from, to: now, field: HOST_FIELD, size: ALERT_LIMITS.maxSeries });
    return new Map(top.values.map((v) => [String(v.value), v.count]));
  };
  const counts = await perHost(window.from);
  const candidates =
    c.type === 'count' && c.op === 'above'
      ? counts.keys()
      : (await perHost(new Date(now.getTime() - parseDuration(c.seen_within)!))).keys();
  const hosts = new Set(watched);
  for (const host of candidates) hosts.add(host);
  return [...hosts].sort().map((host) => ({ key: host, host, value: counts.get(host) ?? 0 }));
}
