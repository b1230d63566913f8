/**
 * Alert evaluation cost (issue 16): what one rule costs per evaluation round, on both stores, for each kind of
 * condition, with 500,000 events from 200 hosts over the last two hours. Each rule's measurement (its store reads)
 * is timed against its peer, the search a person would run for the same query and window in the UI (newest 100
 * with an exact total), in the same run; the state write of a round is timed too. Not a test: it prints figures and
 * writes bench/results/alert-evaluation.json.
 *
 *   npm run build && node dist/bench/alert-evaluation.js   (LOGSHIP_BENCH_ES_URL=… to use a running Elasticsearch;
 *   LOGSHIP_BENCH_EVENTS, LOGSHIP_BENCH_RUNS to change sizes)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { alertRuleInputSchema, type AlertRule, type AlertRuleInput } from '../protocol/alert-rule.js';
import { countWindow, measureRule } from '../collector/alerts/rule-measure.js';
import { parseQuery } from '../collector/query/parse-query.js';
import type { StoredEvent } from '../collector/store/ecs-document.js';
import { EmbeddedStore } from '../collector/store/embedded/embedded-store.js';
import { EsStore } from '../collector/store/elasticsearch/es-store.js';
import type { LogStore } from '../collector/store/log-store.js';
import { startElasticsearch } from '../scripts/es/es-process.js';
import { writeResults } from './results-file.js';

const EVENTS = Number(process.env.LOGSHIP_BENCH_EVENTS ?? 500_000);
const RUNS = Number(process.env.LOGSHIP_BENCH_RUNS ?? 30);
const HOSTS = Array.from({ length: 200 }, (_, i) => `${i % 4 === 0 ? 'db' : 'web'}-${i}`);
const LEVELS = ['info', 'info', 'info', 'info', 'debug', 'warn', 'error'] as const;
const WORDS = ['request', 'finished', 'connection', 'reset', 'timeout', 'cache', 'miss', 'user', 'login', 'slow'];
const SPAN_MS = 2 * 3_600_000;
const PREFIX = 'bench-alerts';

const RULES: AlertRuleInput[] = [
  {
    name: 'errors-over-all-hosts',
    query: 'level:error',
    condition: { type: 'count', window: '15m', op: 'above', threshold: 100 },
  },
  {
    name: 'errors-per-host',
    query: 'level:error',
    condition: { type: 'count', window: '15m', op: 'above', threshold: 10, per_host: true },
  },
  {
    name: 'quiet-hosts',
    query: '',
    condition: { type: 'count', window: '5m', op: 'below', threshold: 1, per_host: true, seen_within: '2h' },
  },
  {
    name: 'silent-web-hosts',
    query: 'service:web',
    condition: { type: 'host_silent', silent_for: '5m', seen_within: '2h' },
  },
  { name: 'timeouts', query: 'timeout', condition: { type: 'count', window: '1h', op: 'above', threshold: 1000 } },
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function events(from: number, count: number, end: number): StoredEvent[] {
  const out: StoredEvent[] = [];
  const ingested = new Date().toISOString();
  for (let i = from; i < from + count; i++) {
    const host = HOSTS[(i * 7) % HOSTS.length]!;
    const id = `a-${i}`;
    out.push({
      id,
      doc: {
        '@timestamp': new Date(end - SPAN_MS + Math.floor((i / EVENTS) * SPAN_MS)).toISOString(),
        message: `${WORDS[i % 10]} ${WORDS[(i * 3) % 10]} ${WORDS[(i * 7) % 10]} in ${i % 900} ms`,
        host: { name: host },
        service: { name: host.replace(/-\d+$/, '') },
        log: { level: LEVELS[i % LEVELS.length]!, file: { path: `/var/log/${host}.log` }, offset: i * 80 },
        event: { id, ingested, dataset: 'plain' },
      },
    });
  }
  return out;
}

async function load(store: LogStore, end: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < EVENTS; i += 5000) await store.write(events(i, Math.min(5000, EVENTS - i), end));
  return (performance.now() - started) / 1000;
}

/** Times a rule's measurement and its peer search alternately, so neither profits from caches the other warmed. */
async function timeRule(store: LogStore, rule: AlertRule) {
  const samples: [number[], number[]] = [[], []];
  let series = 0;
  for (let i = 0; i < RUNS + 3; i++) {
    const now = new Date();
    let t = performance.now();
    series = (await measureRule(store, rule, now, [])).length;
    const evaluation = performance.now() - t;
    t = performance.now();
    await store.search({ query: parseQuery(rule.query), ...countWindow(rule, now), limit: 100, order: 'desc' });
    const search = performance.now() - t;
    if (i >= 3) {
      samples[0].push(evaluation);
      samples[1].push(search);
    }
  }
  const [evaluation, search] = samples.map((s) => s.sort((a, b) => a - b)) as [number[], number[]];
  return {
    rule: rule.name,
    series,
    evaluation_p50_ms: +percentile(evaluation, 50).toFixed(1),
    evaluation_p95_ms: +percentile(evaluation, 95).toFixed(1),
    search_p50_ms: +percentile(search, 50).toFixed(1),
    ratio_p50: +(percentile(evaluation, 50) / percentile(search, 50)).toFixed(2),
  };
}

/** The state write of one round: a rule's state record with 200 alerts and 10 waiting notifications. */
async function timeStateWrite(store: LogStore): Promise<number> {
  const body = {
    series: HOSTS.map((host) => ({ key: host, host, state: 'firing', since: new Date().toISOString(), value: 12 })),
    outbox: Array.from({ length: 10 }, (_, i) => ({ id: `n-${i}`, notification: { summary: 'x'.repeat(200) } })),
  };
  let version = await store.putAlertRecord('state', 'bench', body, null);
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    version = await store.putAlertRecord('state', 'bench', body, version);
    samples.push(performance.now() - t);
  }
  await store.deleteAlertRecord('state', 'bench');
  return +percentile(
    samples.sort((a, b) => a - b),
    50,
  ).toFixed(1);
}

async function benchStore(name: string, store: LogStore, refresh: () => Promise<void>) {
  await store.init();
  const end = Date.now();
  const loadSeconds = await load(store, end);
  await refresh();
  const rules = RULES.map((r) => ({ ...alertRuleInputSchema.parse(r), notify: [] }));
  const rows = [];
  for (const rule of rules) {
    const row = await timeRule(store, rule);
    rows.push(row);
    console.log(
      `${name.padEnd(13)} ${row.rule.padEnd(22)} ${String(row.series).padStart(4)} alerts  ` +
        `evaluation p50 ${row.evaluation_p50_ms} ms p95 ${row.evaluation_p95_ms} ms  ` +
        `search p50 ${row.search_p50_ms} ms  ×${row.ratio_p50}`,
    );
  }
  const stateWriteP50 = await timeStateWrite(store);
  console.log(`${name.padEnd(13)} state record write p50 ${stateWriteP50} ms`);
  const round = rows.reduce((sum, r) => sum + r.evaluation_p50_ms, 0) + rules.length * stateWriteP50;
  return {
    store: name,
    load_s: +loadSeconds.toFixed(1),
    rules: rows,
    state_write_p50_ms: stateWriteP50,
    round_p50_ms: +round.toFixed(1),
  };
}

async function main(): Promise<void> {
  const logger = pino({ level: 'warn' });
  const results = [];
  const dir = mkdtempSync(join(tmpdir(), 'logship-bench-alerts-'));
  const embedded = new EmbeddedStore(
    { dir: join(dir, 'store'), searchTimeoutMs: 30_000, exactTotalUpTo: 1_000_000 },
    logger,
  );
  try {
    results.push(await benchStore('embedded', embedded, async () => {}));
  } finally {
    await embedded.close();
    rmSync(dir, { recursive: true, force: true });
  }
  let esUrl = process.env.LOGSHIP_BENCH_ES_URL;
  const es = esUrl ? undefined : await startElasticsearch({ port: 19201, dataDir: join(tmpdir(), 'logship-bench-es') });
  esUrl ??= es!.url;
  const elasticsearch = new EsStore(
    {
      nodes: [esUrl],
      indexPrefix: PREFIX,
      templates: { replicas: 0, codec: 'default' },
      bulkMaxEvents: 5000,
      bulkConcurrency: 2,
      bulkMaxQueued: 16,
      requestTimeoutMs: 60_000,
      searchTimeoutMs: 30_000,
      exactTotalUpTo: 1_000_000,
    },
    logger,
  );
  try {
    await fetch(`${esUrl}/${PREFIX}-*?ignore_unavailable=true&allow_no_indices=true`, { method: 'DELETE' });
    results.push(
      await benchStore('elasticsearch', elasticsearch, async () => {
        await fetch(`${esUrl}/${PREFIX}-*/_refresh`, { method: 'POST' });
      }),
    );
  } finally {
    await fetch(`${esUrl}/${PREFIX}-*?ignore_unavailable=true&allow_no_indices=true`, { method: 'DELETE' });
    await elasticsearch.close();
    await es?.stop();
  }
  writeResults('alert-evaluation', {
    events: EVENTS,
    hosts: HOSTS.length,
    runs: RUNS,
    load_average: loadavg()[0],
    results,
  });
}

await main();
