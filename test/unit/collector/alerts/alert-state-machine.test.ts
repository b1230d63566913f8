import { alertRuleInputSchema, type AlertRule, type AlertRuleInput } from '../../../../protocol/alert-rule.js';
import type { SeriesRecord } from '../../../../collector/alerts/alert-documents.js';
import { judge, RESOLVED_KEPT_MS, step, type StateChange } from '../../../../collector/alerts/alert-state-machine.js';

function rule(input: Partial<AlertRuleInput>): AlertRule {
  const parsed = alertRuleInputSchema.parse({
    name: 'r',
    condition: { type: 'count', window: '5m', op: 'above', threshold: 10 },
    ...input,
  });
  return { ...parsed, notify: [] };
}

/** Runs evaluations at the given seconds with the given values; answers each change and the last record. */
function run(r: AlertRule, values: [seconds: number, value: number][]) {
  let series: SeriesRecord | undefined;
  const changes: [number, StateChange][] = [];
  for (const [s, value] of values) {
    const result = step(r, series, { key: '', host: null, value }, new Date(Date.UTC(2026, 0, 1, 0, 0, s)));
    series = result.next;
    if (result.change) changes.push([s, result.change]);
  }
  return { changes, series };
}

describe('alert state machine', () => {
  it('judges above, below and silence with their resolve thresholds', () => {
    const above = rule({ resolve: { threshold: 4 } });
    expect([3, 4, 5, 10, 11].map((v) => judge(above, v))).toEqual([
      { active: false, recovered: true },
      { active: false, recovered: true },
      { active: false, recovered: false },
      { active: false, recovered: false },
      { active: true, recovered: false },
    ]);
    const below = rule({
      condition: { type: 'count', window: '5m', op: 'below', threshold: 3 },
      resolve: { threshold: 5 },
    });
    expect([0, 2, 3, 4, 5].map((v) => judge(below, v).active)).toEqual([true, true, false, false, false]);
    expect([0, 2, 3, 4, 5].map((v) => judge(below, v).recovered)).toEqual([false, false, false, false, true]);
    const silent = rule({ condition: { type: 'host_silent', silent_for: '5m' } });
    expect([0, 1, 7].map((v) => judge(silent, v))).toEqual([
      { active: true, recovered: false },
      { active: false, recovered: true },
      { active: false, recovered: true },
    ]);
  });

  it('fires at once without `for`, and resolves at the first recovered evaluation', () => {
    const { changes, series } = run(rule({}), [
      [0, 5],
      [10, 11],
      [20, 50],
      [30, 10],
      [40, 20],
    ]);
    expect(changes).toEqual([
      [10, 'firing'],
      [30, 'resolved'],
      [40, 'firing'],
    ]);
    expect(series).toMatchObject({ state: 'firing', changes: 3, value: 20, since: '2026-01-01T00:00:40.000Z' });
  });

  it('stays pending for `for`, forgets a spike shorter than it, and fires once it held long enough', () => {
    const { changes, series } = run(rule({ for: '30s' }), [
      [0, 11],
      [20, 11],
      [25, 3], // back below before 30 s: forgotten
      [40, 12],
      [60, 12],
      [69, 12],
      [70, 12], // 30 s after 40
      [80, 12],
    ]);
    expect(changes).toEqual([
      [0, 'pending'],
      [25, 'inactive'],
      [40, 'pending'],
      [70, 'firing'],
    ]);
    expect(series).toMatchObject({ state: 'firing', changes: 1, firing_since: '2026-01-01T00:01:10.000Z' });
  });

  it('keeps firing inside the band and resolves after resolve.for of recovered evaluations', () => {
    const { changes } = run(rule({ resolve: { threshold: 4, for: '20s' } }), [
      [0, 20],
      [10, 7], // band: 4 < 7 <= 10
      [20, 3], // recovering from 20
      [30, 8], // band again: the resolve.for clock starts over
      [40, 2],
      [55, 1],
      [60, 0], // 20 s after 40
    ]);
    expect(changes).toEqual([
      [0, 'firing'],
      [60, 'resolved'],
    ]);
  });

  it('keeps a resolved alert for a day, then forgets it; a later firing counts its changes on', () => {
    const r = rule({});
    const { series } = run(r, [
      [0, 11],
      [10, 0],
    ]);
    expect(series).toMatchObject({ state: 'resolved', changes: 2 });
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 10) + ms);
    expect(step(r, series, { key: '', host: null, value: 0 }, at(RESOLVED_KEPT_MS)).next).toBe(series);
    expect(step(r, series, { key: '', host: null, value: 0 }, at(RESOLVED_KEPT_MS + 1)).next).toBeUndefined();
    const again = step(r, series, { key: '', host: null, value: 99 }, at(1000));
    expect(again).toMatchObject({ change: 'firing', next: { state: 'firing', changes: 3, value: 99 } });
  });
});
