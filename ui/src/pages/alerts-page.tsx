import { useEffect, useState } from 'preact/hooks';
import type { AlertRuleView } from '../../../protocol/alert-rule';
import type { AlertsOverview, AlertStateView } from '../../../protocol/alerts-overview';
import { ApiError, apiGet, apiSend } from '../api/client';
import { AlertRuleForm } from '../components/alert-rule-form';
import { formatTime } from '../time/time-format';
import { navigate, readViewState } from '../state/url-state';
import './alerts-page.css';

/** One line for a rule's condition: "count above 100 in 5m per host", "host silent for 10m". */
function conditionText(rule: AlertRuleView): string {
  const c = rule.condition;
  if (c.type === 'host_silent') return `host silent for ${c.silent_for}`;
  return `count ${c.op} ${c.threshold} in ${c.window}${c.per_host ? ' per host' : ''}`;
}

/** The search page of an alert's events: the link's query string, on this UI (its host may be a public name). */
function openEvents(alert: AlertStateView): void {
  navigate(`/${new URL(alert.link).search}`);
}

/** Alert rules with their status, the alerts pending, firing or lately resolved, and a form to create or edit rules. */
export function AlertsPage(props: { canEdit: boolean }) {
  const [rules, setRules] = useState<AlertRuleView[] | undefined>();
  const [overview, setOverview] = useState<AlertsOverview | undefined>();
  const [error, setError] = useState('');
  const [editing, setEditing] = useState<AlertRuleView | 'new' | undefined>();
  const tz = readViewState().tz;
  const load = () =>
    Promise.all([
      apiGet<{ rules: AlertRuleView[] }>('/api/v1/alerts/rules'),
      apiGet<AlertsOverview>('/api/v1/alerts'),
    ]).then(
      ([list, states]) => {
        setRules(list.rules);
        setOverview(states);
        setError('');
      },
      (err: unknown) => setError(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err)),
    );
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 5000);
    return () => clearInterval(timer);
  }, []);
  const remove = async (rule: AlertRuleView) => {
    if (!window.confirm(`Delete rule ${rule.name} with its alerts and waiting notifications?`)) return;
    try {
      await apiSend('DELETE', `/api/v1/alerts/rules/${encodeURIComponent(rule.name)}`);
      await load();
    } catch (err) {
      setError(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));
    }
  };
  if (!rules || !overview) return error ? <p class="error">{error}</p> : <p class="loading">Loading…</p>;
  const status = new Map(overview.rules.map((r) => [r.name, r]));
  return (
    <section class="alerts">
      {error && <p class="error">{error}</p>}
      <header class="alerts-head">
        <h2>Alert rules</h2>
        <span class="evaluator">
          {overview.evaluator ? `evaluated by ${overview.evaluator.holder}` : 'no collector evaluates rules now'}
        </span>
        {props.canEdit && !editing && (
          <button type="button" onClick={() => setEditing('new')}>
            New rule
          </button>
        )}
      </header>
      {editing && (
        <AlertRuleForm
          rule={editing === 'new' ? undefined : editing}
          onCancel={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            void load();
          }}
        />
      )}
      <table class="alert-rules">
        <thead>
          <tr>
            <th>rule</th>
            <th>status</th>
            <th>condition</th>
            <th>query</th>
            <th>last evaluated</th>
            <th>waiting</th>
            {props.canEdit && <th />}
          </tr>
        </thead>
        <tbody>
          {rules.length === 0 && (
            <tr>
              <td colSpan={7} class="empty">
                No rules yet.
              </td>
            </tr>
          )}
          {rules.map((rule) => {
            const s = status.get(rule.name);
            const state = rule.enabled ? (s?.status ?? 'ok') : 'disabled';
            return (
              <tr key={rule.name} data-rule={rule.name}>
                <td>
                  <strong>{rule.name}</strong>
                  {rule.description && <div class="muted">{rule.description}</div>}
                </td>
                <td>
                  <span class={`alert-state ${state}`}>{state}</span>
                  {s && s.firing + s.pending > 0 && (
                    <span class="muted">
                      {' '}
                      {s.firing} firing, {s.pending} pending
                    </span>
                  )}
                  {s?.error && <div class="error">{s.error.message}</div>}
                </td>
                <td>{conditionText(rule)}</td>
                <td>
                  <code>{rule.query || '*'}</code>
                </td>
                <td>{s?.evaluated_at ? formatTime(s.evaluated_at, tz) : '—'}</td>
                <td>{s?.notifications_waiting ?? 0}</td>
                {props.canEdit && (
                  <td class="actions">
                    <button type="button" onClick={() => setEditing(rule)}>
                      Edit
                    </button>
                    <button type="button" onClick={() => void remove(rule)}>
                      Delete
                    </button>
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      <h2>Alerts</h2>
      <table class="alert-states">
        <thead>
          <tr>
            <th>state</th>
            <th>rule</th>
            <th>host</th>
            <th>since</th>
            <th>value</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {overview.alerts.length === 0 && (
            <tr>
              <td colSpan={6} class="empty">
                Nothing pending, firing or lately resolved.
              </td>
            </tr>
          )}
          {overview.alerts.map((a) => (
            <tr key={`${a.rule}/${a.host ?? ''}`} class={a.state}>
              <td>
                <span class={`alert-state ${a.state}`}>{a.state}</span>
              </td>
              <td>{a.rule}</td>
              <td>{a.host ?? 'all hosts'}</td>
              <td>{formatTime(a.since, tz)}</td>
              <td>{a.value.toLocaleString()}</td>
              <td>
                <a
                  href={`/${new URL(a.link).search}`}
                  onClick={(e) => {
                    e.preventDefault();
                    openEvents(a);
                  }}
                >
                  events
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
