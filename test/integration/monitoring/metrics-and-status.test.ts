import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlertsOverview } from '../../../protocol/alerts-overview.js';
import type { ServiceStatus } from '../../../protocol/status.js';
import { postIngest, startTestCollector, type TestCollector } from '../../support/collector-harness.js';
import { testEsUrl } from '../../support/elasticsearch.js';
import { runLogship, waitFor } from '../../support/processes.js';
import { expectSchema } from '../search/openapi-validator.js';
import { SseClient } from '../search/sse-client.js';

let c: TestCollector;
const SILENT_AFTER_S = 10;

beforeAll(async () => {
  const name = 'metrics';
  c = await startTestCollector(name, {
    // Three token/host pairs get series of their own; one bulk request at a time and none waiting, so concurrent
    // requests are refused with 429 for the counters to count.
    monitoring: { max_hosts: 3, lagging_after: '20s', lagging_backlog: '1MiB' },
    search: { host_silent_after: `${SILENT_AFTER_S}s`, tail_heartbeat: '1s' },
    // A round every 300 ms, so the rule the status test makes fires within a second.
    alerts: { evaluate_every: '300ms', lease_ttl: '1500ms', public_url: 'https://logs.example.test/' },
    elasticsearch: {
      url: testEsUrl(),
      index_prefix: `t-${name}-${process.pid}`,
      bulk_concurrency: 1,
      bulk_max_queued: 0,
    },
  });
});
afterAll(async () => {
  await c?.dispose();
});

/** Every series of the collector's /metrics: `name{labels}` → value. */
async function scrape(): Promise<Map<string, number>> {
  const text = await fetch(`${c.url}/metrics`).then((r) => r.text());
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

const HOSTS = { h1: 5, h2: 3, h3: 2, h4: 4, h5: 1 };
const readAt = new Date(Date.now() - 30_000).toISOString();
const lines = Object.entries(HOSTS).flatMap(([host, n]) =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({ id: `m-${host}-${i}`, host, read_at: readAt, message: `metrics ${host} line ${i} ✓` }),
  ),
);
const bytesOf = (host: string) =>
  lines.filter((l) => l.includes(`"host":"${host}"`)).reduce((sum, l) => sum + Buffer.byteLength(l), 0);

/** hb-1's shipper says it is alive, with 2 MiB written to its files and not yet shipped. */
function sendHeartbeat(): Promise<Response> {
  return fetch(`${c.url}/api/v1/heartbeat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${c.tokens.ingest}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      host: 'hb-1',
      version: 'test',
      started_at: new Date().toISOString(),
      sent_at: new Date().toISOString(),
      interval_s: 1,
      inputs: [],
      lag_bytes: 2 * 1024 * 1024,
    }),
  });
}

describe('collector /metrics', () => {
  it('counts stored events and bytes by token and host (hosts past the bound as _other), lag, bulks and dead letters', async () => {
    const first = await postIngest(c.url, c.tokens.ingest, [...lines, '{not json'].join('\n'));
    expect(first.body).toMatchObject({ accepted: 15, duplicates: 0, rejected: 1 });
    const again = await postIngest(c.url, c.tokens.ingest, lines[0]!);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 1 });

    const m = await scrape();
    const events = (host: string) => m.get(`logship_collector_ingest_events_total{token="ingest",host="${host}"}`);
    const bytes = (host: string) => m.get(`logship_collector_ingest_bytes_total{token="ingest",host="${host}"}`);
    expect([events('h1'), events('h2'), events('h3'), events('_other'), events('h4')]).toEqual([5, 3, 2, 5, undefined]);
    expect([bytes('h1'), bytes('h2'), bytes('h3'), bytes('_other')]).toEqual([
      bytesOf('h1'),
      bytesOf('h2'),
      bytesOf('h3'),
      bytesOf('h4') + bytesOf('h5'),
    ]);
    expect(m.get('logship_collector_events_accepted_total')).toBe(15);
    expect(m.get('logship_collector_events_duplicates_total')).toBe(1);
    expect(m.get('logship_collector_dead_letters_total{code="INGEST_INVALID_JSON"}')).toBe(1);
    // One lag observation per request and host that had a stored event: 5 hosts in the first request, none after.
    expect(m.get('logship_collector_ingest_lag_seconds_count')).toBe(5);
    expect(m.get('logship_collector_ingest_lag_seconds_bucket{le="10"}')).toBe(0);
    expect(m.get('logship_collector_ingest_lag_seconds_bucket{le="60"}')).toBe(5);
    const h1Lag = m.get('logship_collector_host_lag_seconds{host="h1"}')!;
    expect(h1Lag).toBeGreaterThanOrEqual(30);
    expect(h1Lag).toBeLessThan(60);
    expect(m.get('logship_collector_host_lag_seconds{host="h4"}')).toBeUndefined();
    // Two requests wrote to Elasticsearch, one bulk request each.
    expect(m.get('logship_collector_bulk_seconds_count')).toBe(2);
    expect(m.get('logship_collector_store_writes_active')).toBe(0);
    expect(m.get('logship_collector_store_writes_pending')).toBe(0);
  });

  it('counts error answers by status and code: 429 push-back exactly as often as senders got it', async () => {
    const before = await scrape();
    const key429 = 'logship_collector_error_answers_total{status="429",code="INGEST_OVERLOADED"}';
    const body = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ host: 'h1', message: `load ${i}` })).join(
      '\n',
    );
    const answers = await Promise.all(Array.from({ length: 8 }, () => postIngest(c.url, c.tokens.ingest, body)));
    const refused = answers.filter((a) => a.status === 429).length;
    expect(refused).toBeGreaterThan(0);
    expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
    expect((await postIngest(c.url, 'lsp_not_a_token', '{}')).status).toBe(401);
    expect((await postIngest(c.url, c.tokens.ingest, '{}', { 'content-type': 'text/plain' })).status).toBe(415);

    const after = await scrape();
    const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
    expect(delta(key429)).toBe(refused);
    expect(delta('logship_collector_error_answers_total{status="401",code="AUTH_INVALID"}')).toBe(1);
    expect(delta('logship_collector_error_answers_total{status="415",code="INGEST_UNSUPPORTED_MEDIA_TYPE"}')).toBe(1);
    expect(delta('logship_collector_ingest_events_total{token="ingest",host="h1"}')).toBe(3000 * (8 - refused));
  });

  it('reports the store ready, open tails, and every host silent or not from the store', async () => {
    const m = await scrape();
    expect(m.get('logship_collector_store_ready')).toBe(1);
    expect([...m.keys()].filter((k) => k.startsWith('logship_collector_store_problem'))).toEqual([]);
    // One set of alert metrics: the alerting's own (logship_alert_…), none under logship_collector_.
    expect([...m.keys()].filter((k) => /^logship_collector_alert/.test(k))).toEqual([]);

    const tail = await SseClient.open(`${c.url}/api/v1/tail`, { authorization: `Bearer ${c.tokens.read}` });
    await tail.until((f) => f.some((x) => x.comment === 'tail started'), 5000);
    expect((await scrape()).get('logship_collector_tail_streams')).toBe(1);
    tail.close();
    await waitFor(
      'the tail to close',
      async () => ((await scrape()).get('logship_collector_tail_streams') === 0 ? true : undefined),
      5000,
    );

    // h1..h5 fall silent; hb-1's shipper reports 2 MiB not yet shipped.
    await new Promise((r) => setTimeout(r, SILENT_AFTER_S * 1000 + 500));
    const heartbeat = await sendHeartbeat();
    expect(heartbeat.status).toBe(200);
    const hosts = await waitFor(
      'the host gauges to see hb-1',
      async () => {
        const now = await scrape();
        return now.get('logship_collector_hosts{status="ok"}') === 1 ? now : undefined;
      },
      9000,
      250,
    );
    expect(hosts.get('logship_collector_hosts{status="silent"}')).toBe(5);
    expect(hosts.get('logship_collector_host_backlog_bytes{host="hb-1"}')).toBe(2 * 1024 * 1024);
    expect(hosts.get('logship_collector_host_silence_seconds{host="h2"}')).toBeGreaterThanOrEqual(SILENT_AFTER_S);
  }, 60_000);

  it('is listed whole in docs/metrics.md: every metric it exposes has a row there', async () => {
    const text = await fetch(`${c.url}/metrics`).then((r) => r.text());
    const names = [...text.matchAll(/^# TYPE (logship_\S+) /gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(20); // the pattern found them (28 on Elasticsearch today)
    const docs = readFileSync(join(import.meta.dirname, '../../../docs/metrics.md'), 'utf8');
    expect(names.filter((name) => !docs.includes(`\`${name}\``) && !docs.includes(`\`${name}{`))).toEqual([]);
  });
});

describe('GET /api/v1/status and logship status', () => {
  it('puts the store, ingest rate, silent and lagging hosts, dead letters and alerts on one screen', async () => {
    expect((await sendHeartbeat()).status).toBe(200);
    const before = await scrape();
    const accepted = before.get('logship_collector_events_accepted_total')!;
    const h1Events = before.get('logship_collector_ingest_events_total{token="ingest",host="h1"}')!;
    // Fires at once: h1 stored more than 4 events within the hour (5 in the first test, then the 429 test's).
    const rule = await fetch(`${c.url}/api/v1/alerts/rules`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'h1-busy',
        query: 'host.name:h1',
        condition: { type: 'count', window: '1h', op: 'above', threshold: 4 },
      }),
    });
    expect(rule.status).toBe(201);
    const status = await waitFor(
      'the dead letter to be searchable and the rule to fire',
      async () => {
        const res = await fetch(`${c.url}/api/v1/status`, { headers: { authorization: `Bearer ${c.tokens.read}` } });
        const body = (await res.json()) as ServiceStatus;
        return body.dead_letters?.last_hour === 1 && body.alerts?.firing_count === 1 ? body : undefined;
      },
      10_000,
    );
    expectSchema('ServiceStatus', status);
    expect(status.store).toEqual({ kind: 'elasticsearch', ready: true, problem: null });
    expect(status.ingest).toEqual({
      events_last_minute: accepted,
      events_per_s: Math.round((accepted / 60) * 10) / 10,
    });
    expect(status.dead_letters).toEqual({ last_hour: 1, by_code: { INGEST_INVALID_JSON: 1 } });
    expect(status.hosts!.total).toBe(6);
    expect(status.hosts!.silent.map((h) => h.host).sort()).toEqual(['h2', 'h3', 'h4', 'h5', 'h1'].sort());
    expect(status.hosts!.silent_count).toBe(5);
    // hb-1: 2 MiB not yet shipped, past lagging_backlog (1 MiB).
    expect(status.hosts!.lagging).toEqual([{ host: 'hb-1', lag_s: null, backlog_bytes: 2 * 1024 * 1024 }]);
    // The alerting as GET /api/v1/alerts holds it: this collector evaluates (the only one on the store).
    const overview = (await fetch(`${c.url}/api/v1/alerts?state=firing`, {
      headers: { authorization: `Bearer ${c.tokens.read}` },
    }).then((r) => r.json())) as AlertsOverview;
    expect(status.alerts!.evaluator!.holder).toBe(overview.evaluator!.holder);
    // (The link's time window ends at the time of the answer.)
    const withoutLink = ({ link: _link, ...alert }: AlertsOverview['alerts'][number]) => alert;
    expect(status.alerts!.firing.map(withoutLink)).toEqual(overview.alerts.map(withoutLink));
    expect(status.alerts!.firing[0]!.link).toMatch(/^https:\/\/logs\.example\.test\//);
    expect(status.alerts!.firing.map((a) => [a.rule, a.host, a.state, a.value])).toEqual([
      ['h1-busy', null, 'firing', h1Events],
    ]);
    expect(status.alerts!.failing_rules).toEqual([]);
    const after = await scrape();
    expect(after.get('logship_alert_lease_held')).toBe(1);
    expect(after.get('logship_alert_state_changes_total{to="firing"}')).toBe(1);
    expect(status.errors).toEqual([]);

    const forbidden = await fetch(`${c.url}/api/v1/status`, {
      headers: { authorization: `Bearer ${c.tokens.ingest}` },
    });
    expect(forbidden.status).toBe(403);

    const env = { LOGSHIP_COLLECTOR_URL: c.url, LOGSHIP_TOKEN: c.tokens.read };
    // hb-1 is alive only while it keeps saying so: on a busy machine the steps above can outlast host_silent_after.
    expect((await sendHeartbeat()).status).toBe(200);
    const text = await runLogship(['status'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^store {8}elasticsearch, ready$/m);
    expect(text.stdout).toMatch(/^hosts {8}6 \(5 silent, 1 lagging\)$/m);
    expect(text.stdout).toMatch(/^ {2}lagging {4}hb-1 {2}2\.0 MiB not yet shipped$/m);
    expect(text.stdout).toMatch(/^dead letters 1 in the last hour: INGEST_INVALID_JSON 1$/m);
    expect(text.stdout).toMatch(/^alerts {7}1 firing \(evaluated by \S+\)$/m);
    expect(text.stdout).toContain(
      `  firing     h1-busy  since ${status.alerts!.firing[0]!.since}, count ${h1Events}\n`,
    );
    expect((await sendHeartbeat()).status).toBe(200);
    const json = await runLogship(['status', '--json'], env);
    expect((JSON.parse(json.stdout) as ServiceStatus).hosts!.silent_count).toBe(5);
  }, 30_000);
});
