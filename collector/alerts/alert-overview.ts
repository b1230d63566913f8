import type {
  AlertRuleStatus,
  AlertsOverview,
  AlertStateName,
  AlertStateView,
} from '../../protocol/alerts-overview.js';
import { searchViewLink } from '../../protocol/view-link.js';
import type { LogStore } from '../store/log-store.js';
import { linkedView } from './alert-payloads.js';
import { currentEvaluator } from './evaluation-lease.js';
import type { RuleBook } from './rule-book.js';
import type { StateBook } from './state-book.js';

/**
 * `GET /api/v1/alerts`: every rule's status and every alert that is pending, firing or lately resolved, as the
 * store holds them, so any collector answers the same (not only the evaluator). `states` narrows the alerts.
 */
export async function alertsOverview(
  store: LogStore,
  rules: RuleBook,
  states: StateBook,
  publicUrl: string,
  only: readonly AlertStateName[],
  now: Date = new Date(),
): Promise<AlertsOverview> {
  const [ruleEntries, stateEntries, evaluator] = await Promise.all([
    rules.list(),
    states.list(),
    currentEvaluator(store),
  ]);
  const stateOf = new Map(stateEntries.map((s) => [s.doc.rule, s.doc]));
  const alerts: AlertStateView[] = [];
  const statuses: AlertRuleStatus[] = [];
  for (const { doc: ruleDoc } of ruleEntries) {
    const rule = ruleDoc.rule;
    const found = stateOf.get(rule.name);
    const state = found?.rule_uid === ruleDoc.uid ? found : undefined;
    const series = state?.series ?? [];
    for (const s of series) {
      if (only.length && !only.includes(s.state)) continue;
      const at = s.state === 'resolved' ? new Date(s.since) : now;
      alerts.push({
        rule: rule.name,
        host: s.host,
        state: s.state,
        since: s.since,
        value: s.value,
        firing_since: s.firing_since,
        link: searchViewLink(publicUrl, linkedView(rule, s.host, at)),
      });
    }
    const firing = series.filter((s) => s.state === 'firing').length;
    const pending = series.filter((s) => s.state === 'pending').length;
    statuses.push({
      name: rule.name,
      enabled: rule.enabled,
      status: state?.error ? 'error' : firing ? 'firing' : pending ? 'pending' : 'ok',
      firing,
      pending,
      evaluated_at: state?.evaluated_at ?? null,
      evaluation_ms: state?.evaluation_ms ?? null,
      error: state?.error ?? null,
      notifications_waiting: state?.outbox.length ?? 0,
    });
  }
  return { evaluator, alerts, rules: statuses };
}
