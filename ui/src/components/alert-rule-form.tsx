import { useState } from 'preact/hooks';
import type { AlertRuleInput, AlertRuleView, NotifierType } from '../../../protocol/alert-rule';
import { ApiError, apiSend } from '../api/client';

interface NotifierDraft {
  id?: string;
  type: NotifierType;
  /** Empty when editing: the collector keeps the URL it has (shown redacted). */
  url: string;
  redacted?: string;
}

/** The form's fields as text, so half-typed numbers and durations stay as typed until the collector judges them. */
interface Draft {
  name: string;
  description: string;
  enabled: boolean;
  query: string;
  kind: 'count' | 'host_silent';
  op: 'above' | 'below';
  threshold: string;
  window: string;
  perHost: boolean;
  silentFor: string;
  seenWithin: string;
  forText: string;
  resolveThreshold: string;
  resolveFor: string;
  notify: NotifierDraft[];
}

function draftOf(rule: AlertRuleView | undefined): Draft {
  const c = rule?.condition;
  return {
    name: rule?.name ?? '',
    description: rule?.description ?? '',
    enabled: rule?.enabled ?? true,
    query: rule?.query ?? '',
    kind: c?.type ?? 'count',
    op: c?.type === 'count' ? c.op : 'above',
    threshold: c?.type === 'count' ? String(c.threshold) : '0',
    window: c?.type === 'count' ? c.window : '5m',
    perHost: c?.type === 'count' ? c.per_host : false,
    silentFor: c?.type === 'host_silent' ? c.silent_for : '10m',
    seenWithin: c?.seen_within ?? '24h',
    forText: rule?.for ?? '0s',
    resolveThreshold: rule?.resolve.threshold === undefined ? '' : String(rule.resolve.threshold),
    resolveFor: rule?.resolve.for ?? '0s',
    notify: (rule?.notify ?? []).map((n) => ({ id: n.id, type: n.type, url: '', redacted: n.url_redacted })),
  };
}

function bodyOf(d: Draft, version: string | undefined): AlertRuleInput {
  const number = (text: string) => (text.trim() === '' ? Number.NaN : Number(text));
  return {
    name: d.name,
    description: d.description,
    enabled: d.enabled,
    query: d.query,
    condition:
      d.kind === 'count'
        ? {
            type: 'count',
            op: d.op,
            threshold: number(d.threshold),
            window: d.window,
            per_host: d.perHost,
            seen_within: d.seenWithin,
          }
        : { type: 'host_silent', silent_for: d.silentFor, seen_within: d.seenWithin },
    for: d.forText,
    resolve: {
      for: d.resolveFor,
      ...(d.kind === 'count' && d.resolveThreshold.trim() !== '' ? { threshold: number(d.resolveThreshold) } : {}),
    },
    notify: d.notify.map((n) => ({ ...(n.id ? { id: n.id } : {}), type: n.type, ...(n.url ? { url: n.url } : {}) })),
    ...(version ? { version } : {}),
  };
}

/** Creates a rule, or edits `rule`; `onSaved` gets the rule as the collector answered it. */
export function AlertRuleForm(props: {
  rule?: AlertRuleView;
  onSaved: (rule: AlertRuleView) => void;
  onCancel: () => void;
}) {
  const editing = props.rule !== undefined;
  const [d, setDraft] = useState<Draft>(() => draftOf(props.rule));
  const [error, setError] = useState('');
  const [saving, setSaving] = useState(false);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft({ ...d, [key]: value });
  const setNotifier = (i: number, change: Partial<NotifierDraft>) =>
    set(
      'notify',
      d.notify.map((n, k) => (k === i ? { ...n, ...change } : n)),
    );
  const text = (
    key:
      | 'name'
      | 'description'
      | 'query'
      | 'threshold'
      | 'window'
      | 'silentFor'
      | 'seenWithin'
      | 'forText'
      | 'resolveThreshold'
      | 'resolveFor',
  ) => ({ value: d[key], onInput: (e: Event) => set(key, (e.currentTarget as HTMLInputElement).value) });
  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    setSaving(true);
    try {
      const saved = editing
        ? await apiSend<AlertRuleView>(
            'PUT',
            `/api/v1/alerts/rules/${encodeURIComponent(d.name)}`,
            bodyOf(d, props.rule?.version),
          )
        : await apiSend<AlertRuleView>('POST', '/api/v1/alerts/rules', bodyOf(d, undefined));
      props.onSaved(saved);
    } catch (err) {
      setError(err instanceof ApiError ? `${err.code}: ${err.message}` : 'The collector did not answer.');
    } finally {
      setSaving(false);
    }
  };
  return (
    <form class="alert-form" onSubmit={submit} aria-label={editing ? `Edit rule ${d.name}` : 'New rule'}>
      <label>
        Name
        <input {...text('name')} disabled={editing} required placeholder="api-errors" />
      </label>
      <label>
        Description
        <input {...text('description')} />
      </label>
      <label class="wide">
        Query
        <input {...text('query')} placeholder="service:api AND level:error (empty: every event)" />
      </label>
      <label>
        Condition
        <select value={d.kind} onChange={(e) => set('kind', e.currentTarget.value as Draft['kind'])}>
          <option value="count">count of matching events</option>
          <option value="host_silent">host silent</option>
        </select>
      </label>
      {d.kind === 'count' ? (
        <>
          <label>
            Fires when the count is
            <select value={d.op} onChange={(e) => set('op', e.currentTarget.value as Draft['op'])}>
              <option value="above">above</option>
              <option value="below">below</option>
            </select>
          </label>
          <label>
            Threshold
            <input {...text('threshold')} inputMode="numeric" />
          </label>
          <label>
            Window
            <input {...text('window')} placeholder="5m" />
          </label>
          <label class="check">
            <input type="checkbox" checked={d.perHost} onChange={(e) => set('perHost', e.currentTarget.checked)} />
            per host
          </label>
          <label>
            Resolve at (hysteresis)
            <input {...text('resolveThreshold')} inputMode="numeric" placeholder="the threshold" />
          </label>
        </>
      ) : (
        <label>
          Silent for
          <input {...text('silentFor')} placeholder="10m" />
        </label>
      )}
      {(d.kind === 'host_silent' || (d.op === 'below' && d.perHost)) && (
        <label>
          Hosts seen within
          <input {...text('seenWithin')} />
        </label>
      )}
      <label>
        Pending for
        <input {...text('forText')} />
      </label>
      <label>
        Resolve after
        <input {...text('resolveFor')} />
      </label>
      <label class="check">
        <input type="checkbox" checked={d.enabled} onChange={(e) => set('enabled', e.currentTarget.checked)} />
        enabled
      </label>
      <fieldset class="wide">
        <legend>Notify</legend>
        {d.notify.map((n, i) => (
          <div class="notifier" key={i}>
            <select
              aria-label="Notifier type"
              value={n.type}
              onChange={(e) => setNotifier(i, { type: e.currentTarget.value as NotifierType })}
            >
              <option value="webhook">JSON webhook</option>
              <option value="slack">Slack</option>
            </select>
            <input
              aria-label="Webhook URL"
              type="password"
              autocomplete="off"
              value={n.url}
              placeholder={n.redacted ? `unchanged (${n.redacted})` : 'https://…'}
              onInput={(e) => setNotifier(i, { url: e.currentTarget.value })}
            />
            <button
              type="button"
              onClick={() =>
                set(
                  'notify',
                  d.notify.filter((_, k) => k !== i),
                )
              }
            >
              Remove
            </button>
          </div>
        ))}
        <button type="button" onClick={() => set('notify', [...d.notify, { type: 'webhook', url: '' }])}>
          Add a notifier
        </button>
      </fieldset>
      {error && (
        <p class="error wide" role="alert">
          {error}
        </p>
      )}
      <div class="wide actions">
        <button type="submit" disabled={saving}>
          {editing ? 'Save' : 'Create'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
