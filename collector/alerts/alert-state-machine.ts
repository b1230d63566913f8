import { parseDuration } from '../../config/duration.js';
import type { AlertRule } from '../../protocol/alert-rule.js';
import type { SeriesRecord } from './alert-documents.js';

/** A resolved alert is still listed this long, then forgotten (unless it becomes pending again). */
export const RESOLVED_KEPT_MS = 24 * 3_600_000;

/** What one evaluation says of an alert's value: the condition holds, the resolve condition holds, or neither. */
export interface Judgement {
  active: boolean;
  recovered: boolean;
}

/**
 * Judges a value by the rule's condition. `above N` holds when the count is > N and is resolved at ≤ the resolve
 * threshold (default N); `below N` holds when the count is < N and is resolved at ≥ the resolve threshold; a
 * silent host (no matching events within silent_for) holds at 0 and is resolved at 1 or more. A threshold band
 * between the two keeps a firing alert firing and a pending one from moving on.
 */
export function judge(rule: AlertRule, value: number): Judgement {
  const c = rule.condition;
  if (c.type === 'host_silent') return { active: value === 0, recovered: value > 0 };
  const resolveAt = rule.resolve.threshold ?? c.threshold;
  return c.op === 'above'
    ? { active: value > c.threshold, recovered: value <= resolveAt }
    : { active: value < c.threshold, recovered: value >= resolveAt };
}

/** A change of an alert's state; `firing` and `resolved` are notified. */
export type StateChange = 'pending' | 'firing' | 'resolved' | 'inactive';

/** The result of one step: the alert's record afterwards (undefined: nothing to keep) and what changed. */
export interface Step {
  next: SeriesRecord | undefined;
  change: StateChange | null;
}

/** The series an evaluation measured: one per rule, or one per host. */
export interface Measured {
  key: string;
  host: string | null;
  value: number;
}

/**
 * One evaluation of one alert at `now` (the states are documented in docs/alerts.md):
 * - nothing or resolved: the condition holds → pending, or firing at once when `for` is 0;
 * - pending: the condition held for `for` since it became pending → firing; it stops holding → forgotten;
 * - firing: the resolve condition held for `resolve.for` → resolved; the band or the condition → still firing;
 * - resolved: kept for RESOLVED_KEPT_MS for people to see.
 * Times are the evaluator's wall clock; the record keeps them, so a collector taking over goes on from them.
 */
export function step(rule: AlertRule, prev: SeriesRecord | undefined, measured: Measured, now: Date): Step {
  const at = now.toISOString();
  const { active, recovered } = judge(rule, measured.value);
  const forMs = parseDuration(rule.for)!;
  const resolveForMs = parseDuration(rule.resolve.for)!;
  const elapsed = (since: string) => now.getTime() - Date.parse(since);
  const base = { key: measured.key, host: measured.host, value: measured.value };

  if (!prev || prev.state === 'resolved') {
    if (active) {
      const changes = prev?.changes ?? 0;
      if (forMs === 0) {
        return {
          next: { ...base, state: 'firing', since: at, firing_since: at, recovering_since: null, changes: changes + 1 },
          change: 'firing',
        };
      }
      const firingSince = prev?.firing_since ?? null;
      return {
        next: { ...base, state: 'pending', since: at, firing_since: firingSince, recovering_since: null, changes },
        change: 'pending',
      };
    }
    if (prev && elapsed(prev.since) > RESOLVED_KEPT_MS) return { next: undefined, change: null };
    return { next: prev, change: null };
  }
  if (prev.state === 'pending') {
    if (!active) return { next: undefined, change: 'inactive' };
    if (elapsed(prev.since) >= forMs) {
      return {
        next: {
          ...base,
          state: 'firing',
          since: at,
          firing_since: at,
          recovering_since: null,
          changes: prev.changes + 1,
        },
        change: 'firing',
      };
    }
    return { next: { ...prev, value: measured.value }, change: null };
  }
  // Firing.
  if (!recovered) return { next: { ...prev, value: measured.value, recovering_since: null }, change: null };
  const recoveringSince = prev.recovering_since ?? at;
  if (elapsed(recoveringSince) >= resolveForMs) {
    return {
      next: { ...prev, ...base, state: 'resolved', since: at, recovering_since: null, changes: prev.changes + 1 },
      change: 'resolved',
    };
  }
  return { next: { ...prev, value: measured.value, recovering_since: recoveringSince }, change: null };
}
