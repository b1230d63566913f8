import { Registry } from 'prom-client';
import { AlertHook } from '../../../../collector/monitoring/alert-hook.js';
import { LabelBudget } from '../../../../collector/monitoring/label-budget.js';

describe('label budget', () => {
  it('keeps the first N values and counts every later one as _other, for the life of the budget', () => {
    const budget = new LabelBudget(2);
    expect(['a', 'b', 'c', 'a', 'd', 'b'].map((v) => budget.label(v))).toEqual([
      'a',
      'b',
      '_other',
      'a',
      '_other',
      'b',
    ]);
  });
});

describe('alert hook', () => {
  it('counts evaluations by outcome and shows firing alerts once an engine is attached', async () => {
    const registry = new Registry();
    const hook = new AlertHook(registry);
    expect(await hook.firing()).toBeNull();
    hook.evaluated('ok', 0.02);
    hook.evaluated('ok', 0.5);
    hook.evaluated('error', 3);
    hook.attach({ firing: async () => [{ rule: 'errors', since: '2026-11-26T10:00:00.000Z', summary: '12 > 10' }] });
    const text = await registry.metrics();
    expect(text).toMatch(/^logship_collector_alert_evaluations_total\{outcome="ok"\} 2$/m);
    expect(text).toMatch(/^logship_collector_alert_evaluations_total\{outcome="error"\} 1$/m);
    expect(text).toMatch(/^logship_collector_alert_evaluation_seconds_bucket\{le="0.5"\} 2$/m);
    expect(text).toMatch(/^logship_collector_alerts_firing 1$/m);
  });
});
