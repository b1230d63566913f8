import { alertRuleInputSchema } from '../../../protocol/alert-rule.js';

const problems = (body: unknown) => {
  const result = alertRuleInputSchema.safeParse(body);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

const base = { name: 'r', condition: { type: 'count', window: '5m', op: 'above', threshold: 10 } };

describe('the alert rule schema', () => {
  it('fills the defaults of a minimal rule', () => {
    expect(alertRuleInputSchema.parse(base)).toEqual({
      name: 'r',
      description: '',
      enabled: true,
      query: '',
      condition: { type: 'count', window: '5m', op: 'above', threshold: 10, per_host: false, seen_within: '24h' },
      for: '0s',
      resolve: { for: '0s' },
      notify: [],
    });
  });

  it('names every problem by its key', () => {
    expect(problems({ ...base, name: 'API Errors' })).toEqual([
      'name: lower-case letters, digits, ".", "_" and "-" (at most 63), e.g. api-errors',
    ]);
    expect(problems({ ...base, condition: { ...base.condition, window: '0s' } })).toEqual([
      'condition.window: must be a duration from 1s to 31d, e.g. 30s, 5m, 2h',
    ]);
    expect(problems({ ...base, condition: { type: 'count', window: '5m', op: 'below', threshold: 0 } })).toEqual([
      'condition.threshold: below 0 can never hold',
    ]);
    expect(problems({ ...base, resolve: { threshold: 11 } })).toEqual([
      'resolve.threshold: must be at most condition.threshold (10)',
    ]);
    expect(problems({ ...base, condition: { type: 'host_silent', silent_for: '2d', seen_within: '1d' } })).toEqual([
      'condition.seen_within: must be longer than silent_for',
    ]);
    expect(
      problems({
        ...base,
        notify: [
          { type: 'slack', url: 'ftp://x' },
          { type: 'webhook', url: 'https://a.example/' },
        ],
      }),
    ).toEqual(['notify.0.url: must be an http:// or https:// URL']);
    expect(
      problems({
        ...base,
        notify: [
          { type: 'slack', url: 'https://a.example/' },
          { id: 'slack-1', type: 'webhook' },
        ],
      }),
    ).toEqual(['notify.1.id: "slack-1" is used twice']);
    expect(problems({ ...base, extra: 1 })).toEqual([': Unrecognized key: "extra"']);
  });
});
