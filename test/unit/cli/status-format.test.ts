import { bytes, duration, formatStatus } from '../../../cli/status-command.js';
import type { ServiceStatus } from '../../../protocol/status.js';

const base: ServiceStatus = {
  at: '2026-11-26T10:00:00.000Z',
  store: { kind: 'embedded', ready: true, problem: null },
  ingest: { events_last_minute: 600, events_per_s: 10 },
  hosts: { total: 3, silent: [], silent_count: 0, lagging: [], lagging_count: 0 },
  dead_letters: { last_hour: 0, by_code: {} },
  alerts: {
    evaluator: { holder: 'c1/4242/ab12', since: '2026-11-26T08:00:00.000Z', renewed_at: '2026-11-26T09:59:58.000Z' },
    firing: [],
    firing_count: 0,
    failing_rules: [],
  },
  errors: [],
};

describe('logship status screen', () => {
  it('prints one line per part', () => {
    expect(formatStatus(base, 'http://c')).toBe(
      [
        'logship status of http://c at 2026-11-26T10:00:00.000Z',
        'store        embedded, ready',
        'ingest       10 events/s (600 stored in the last minute)',
        'hosts        3 (0 silent, 0 lagging)',
        'dead letters 0 in the last hour',
        'alerts       none firing (evaluated by c1/4242/ab12)',
        '',
      ].join('\n'),
    );
  });

  it('lists what needs a look, with host names made safe for the terminal', () => {
    const text = formatStatus(
      {
        ...base,
        store: { kind: 'elasticsearch', ready: false, problem: { code: 'ES_UNREACHABLE', message: 'no node answers' } },
        ingest: null,
        hosts: {
          total: 30,
          silent: [{ host: 'evil\u001b[2Jhost\n', last_seen: null, silent_for_s: null }],
          silent_count: 25,
          lagging: [{ host: 'db-1', lag_s: 95, backlog_bytes: 3 * 1024 * 1024 }],
          lagging_count: 1,
        },
        dead_letters: null,
        alerts: {
          evaluator: null,
          firing: [
            {
              rule: 'errors',
              host: 'web\u001b]0;x\u0007-1',
              state: 'firing',
              since: '2026-11-26T09:58:00.000Z',
              value: 12,
              firing_since: '2026-11-26T09:58:00.000Z',
              link: 'https://logs.example.test/#q=level:error',
            },
          ],
          firing_count: 3,
          failing_rules: [{ name: 'slow', error: { code: 'QUERY_TIMEOUT', message: 'The search took too long.' } }],
        },
        errors: [{ section: 'dead_letters', code: 'STORE_UNAVAILABLE', message: 'Elasticsearch is unreachable' }],
      },
      'http://c',
    );
    expect(text.split('\n').slice(1)).toEqual([
      'store        elasticsearch, NOT READY: ES_UNREACHABLE no node answers',
      'ingest       unknown',
      'hosts        30 (25 silent, 1 lagging)',
      '  silent     evil\\x1b[2Jhost\\n  never heard of',
      '  silent     … and 24 more',
      '  lagging    db-1  lines stored 95 s after read, 3.0 MiB not yet shipped',
      'dead letters unknown',
      'alerts       3 firing (NO COLLECTOR EVALUATES THE RULES)',
      '  firing     errors on web\\x1b]0;x\\x07-1  since 2026-11-26T09:58:00.000Z, count 12',
      '  firing     … and 2 more',
      '  failing    slow  QUERY_TIMEOUT The search took too long.',
      '! dead_letters: STORE_UNAVAILABLE Elasticsearch is unreachable',
      '',
    ]);
  });

  it('says durations and sizes the way people read them', () => {
    expect([duration(42), duration(600), duration(3 * 3600), duration(3 * 86_400)]).toEqual([
      '42 s',
      '10 min',
      '3.0 h',
      '3.0 d',
    ]);
    expect([bytes(512), bytes(1536), bytes(5 * 1024 ** 3)]).toEqual(['512 B', '1.5 KiB', '5.0 GiB']);
  });
});
