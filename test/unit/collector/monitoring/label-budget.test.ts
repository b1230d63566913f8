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
