import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { createToken } from '../../../collector/auth/token-store.js';
import { collectorConfig } from '../../../collector/config.js';
import { startCollector, type RunningCollector } from '../../../collector/main.js';
import type { EcsDocument, StoredEvent } from '../../../collector/store/ecs-document.js';
import { storedDocument } from '../../../collector/store/elasticsearch/es-document.js';
import { EmbeddedStore } from '../../../collector/store/embedded/embedded-store.js';
import type { Hit } from '../../../protocol/event.js';
import { startTestCollector, type TestCollector, postIngest } from '../../support/collector-harness.js';
import { testEsUrl } from '../../support/elasticsearch.js';
import { runLogship, type CommandRun } from '../../support/processes.js';
import { seededRandom } from '../../support/seeded-random.js';

/**
 * `logship migrate` against the real Elasticsearch: an embedded store filled through a running collector's ingest
 * API (5,000 events of four formats over five days and four hosts, plus dead letters) is copied while that
 * collector keeps running; Elasticsearch then holds exactly those events per host and day, each document field for
 * field as the embedded store keeps it (format, ingest and read times included), a collector on it answers the same
 * hits as the embedded one, and a second run stores nothing and counts every event as a duplicate.
 */
const CLI = join(import.meta.dirname, '..', '..', '..', 'bin', 'logship.js');
const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');
const HOSTS = ['web-1', 'web-2', 'db-1', 'worker-1'];
const DAYS = 5;
const EVENTS = 5000;
const DAY_MS = 86_400_000;

/** The command without the LOGSHIP_ES_URL this test run may have been given: each run names its target itself. */
function logship(args: string[], env: Record<string, string> = {}): Promise<CommandRun> {
  return runLogship(args, { LOGSHIP_ES_URL: undefined, ...env });
}

function fixtureLines(path: string): string[] {
  return readFileSync(join(FIXTURES, path), 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0);
}

/** Real-looking lines of four formats, each with the format the shipper would name. */
const SOURCES: { format: string; service: string; source: string; lines: string[] }[] = [
  { format: 'nginx', service: 'nginx', source: '/var/log/nginx/access.log', lines: fixtureLines('nginx/access.log') },
  { format: 'json', service: 'api', source: '/var/log/app/pino.log', lines: fixtureLines('json/pino.log') },
  { format: 'plain', service: 'app', source: '/var/log/app/app.log', lines: fixtureLines('plain/app.log') },
  { format: 'syslog', service: 'system', source: '/var/log/messages', lines: fixtureLines('syslog/messages.log') },
];

let embeddedDir: string;
let embedded: RunningCollector;
let embeddedToken: string;
let es: TestCollector;
/** Events whose line has an HTTP status: every nginx access line, and the pino lines that log a response. */
let withStatus = 0;
/** Events per `host|YYYY.MM.DD`, as ingested. */
const expected = new Map<string, number>();
let windowFrom: string;
let windowTo: string;
/** When the events were ingested: `event.ingested` of every migrated document is at or after it. */
let ingestStart: number;

async function post(url: string, token: string, lines: string[]): Promise<Record<string, unknown>> {
  const answer = await postIngest<Record<string, unknown>>(url, token, lines.join('\n'));
  expect(answer.status).toBe(200);
  return answer.body;
}

async function get<T>(url: string, token: string, path: string): Promise<T> {
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Every hit of a query in the window, oldest first, through the API's cursors. */
async function allHits(url: string, token: string, q: string): Promise<{ hits: Hit[]; total: unknown }> {
  const hits: Hit[] = [];
  let cursor: string | null = null;
  let total: unknown;
  do {
    const params = new URLSearchParams({ q, from: windowFrom, to: windowTo, order: 'asc', limit: '1000' });
    if (cursor) params.set('cursor', cursor);
    const page: { hits: Hit[]; next_cursor: string | null; total: unknown } = await get(
      url,
      token,
      `/api/v1/search?${params.toString()}`,
    );
    total ??= page.total;
    hits.push(...page.hits);
    cursor = page.next_cursor;
  } while (cursor);
  return { hits, total };
}

async function esCount(index: string, query?: object): Promise<number> {
  const res = await fetch(`${testEsUrl()}/${index}/_count?ignore_unavailable=true&allow_no_indices=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(query ? { query } : {}),
  });
  if (res.status !== 200) throw new Error(`_count ${index} answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { count: number }).count;
}

function migrate(extra: string[] = []): Promise<CommandRun> {
  return logship([
    'migrate',
    '--es-url',
    testEsUrl(),
    '--data-dir',
    embeddedDir,
    '--index-prefix',
    es.indexPrefix,
    ...extra,
  ]);
}

beforeAll(async () => {
  embeddedDir = mkdtempSync(join(tmpdir(), 'logship-migrate-'));
  embeddedToken = createToken(embeddedDir, 'admin', 'admin');
  embedded = await startCollector(
    collectorConfig({ listen: '127.0.0.1:0', data_dir: embeddedDir }),
    pino({ level: process.env.LOGSHIP_TEST_LOG ?? 'silent' }),
  );
  es = await startTestCollector('migrate');

  // Five whole UTC days ending yesterday, inside the default 14-day retention.
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const firstDay = today - DAYS * DAY_MS;
  windowFrom = new Date(firstDay).toISOString();
  windowTo = new Date(today - 1).toISOString();
  const random = seededRandom(8);
  const lines: string[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const host = HOSTS[Math.floor(random() * HOSTS.length)]!;
    const day = Math.floor(random() * DAYS);
    // Every 10th event shares its millisecond with the one before: ties must keep their order in both stores.
    const ms =
      i % 10 === 9 ? Number(JSON.parse(lines[i - 1]!).ts) : firstDay + day * DAY_MS + Math.floor(random() * DAY_MS);
    const src = SOURCES[i % SOURCES.length]!;
    const message = src.lines[i % src.lines.length]!;
    if (src.format === 'nginx' || (src.format === 'json' && message.includes('"statusCode":'))) withStatus++;
    const dayName = new Date(ms).toISOString().slice(0, 10).replaceAll('-', '.');
    expected.set(`${host}|${dayName}`, (expected.get(`${host}|${dayName}`) ?? 0) + 1);
    lines.push(
      JSON.stringify({
        ts: ms,
        id: `mig-${i}`,
        timestamp: new Date(ms).toISOString(),
        host,
        service: src.service,
        source: src.source,
        offset: i * 200,
        format: src.format,
        // The shipper's read time (`event.created`) for all but every 5th event, and the line's size for some.
        ...(i % 5 !== 4 && { read_at: new Date(ms + 1500).toISOString() }),
        ...(i % 7 === 0 && { original_bytes: 180 + (i % 50) }),
        message,
        ...(i % 3 === 0 && { fields: { env: i % 2 ? 'prod' : 'staging', 'team.name': 'payments' } }),
      }),
    );
  }
  const events = lines.map((l) => {
    const { ts: _ts, ...event } = JSON.parse(l) as Record<string, unknown>;
    return JSON.stringify(event);
  });
  ingestStart = Date.now();
  for (let i = 0; i < events.length; i += 1000) {
    expect(await post(embedded.url, embeddedToken, events.slice(i, i + 1000))).toMatchObject({
      accepted: Math.min(1000, events.length - i),
      rejected: 0,
    });
  }
  // Three lines the collector rejects: they become dead letters with their reason.
  expect(
    await post(embedded.url, embeddedToken, ['{"message": 42}', 'not json at all', '{"message":"x","level":"loud"}']),
  ).toMatchObject({ accepted: 0, rejected: 3 });
});

afterAll(async () => {
  await embedded?.stop();
  await es?.dispose();
  rmSync(embeddedDir, { recursive: true, force: true });
});

describe('logship migrate', () => {
  it('copies every event and dead letter while the embedded collector runs, resuming after a kill', async () => {
    // A first run killed (SIGKILL, no clean-up) once it reported its first stored page: an interrupted migration.
    const killed = spawn(
      process.execPath,
      [
        ...[CLI, 'migrate', '--es-url', testEsUrl(), '--data-dir', embeddedDir],
        ...['--index-prefix', es.indexPrefix, '--batch', '200'],
      ],
      { env: { ...process.env, LOGSHIP_ES_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<NodeJS.Signals | null>((r) => killed.once('exit', (_code, signal) => r(signal)));
    let progress = '';
    killed.stderr!.on('data', (d: Buffer) => {
      progress += d.toString();
      if (progress.includes('Migrating events: read')) killed.kill('SIGKILL');
    });
    await expect(exited).resolves.toBe('SIGKILL');
    const firstStored = Number(/stored (\d+)/.exec(progress)?.[1]);
    expect(firstStored).toBeGreaterThan(0);
    expect(firstStored).toBeLessThan(EVENTS);

    const run = await migrate(['--batch', '700']);
    expect(run.code).toBe(0);
    const summary =
      /^migrated: read (\d+), stored (\d+), duplicates (\d+), failed (\d+); dead letters: read (\d+), stored (\d+), duplicates (\d+), failed (\d+)\n$/.exec(
        run.stdout,
      );
    expect(summary).not.toBeNull();
    const [read, stored, duplicates, failed, deadRead, deadStored, deadDuplicates, deadFailed] = summary!
      .slice(1)
      .map(Number);
    expect({ read, failed, deadRead, deadFailed }).toEqual({ read: EVENTS, failed: 0, deadRead: 3, deadFailed: 0 });
    // What the killed run stored counts as duplicates now, and the rest is stored: nothing twice, nothing missing.
    expect(duplicates).toBeGreaterThanOrEqual(firstStored);
    expect(stored! + duplicates!).toBe(EVENTS);
    expect(deadStored! + deadDuplicates!).toBe(3);
    expect(run.stderr).toContain('Migrating events: read 5000,');

    const prefix = es.indexPrefix;
    expect(await esCount(`${prefix}-*,-${prefix}-deadletter*,-${prefix}-hosts*`)).toBe(EVENTS);
    const perHostDay = new Map<string, number>();
    for (const key of expected.keys()) {
      const [host, day] = key.split('|') as [string, string];
      perHostDay.set(key, await esCount(`${prefix}-${day}`, { term: { 'host.name': host } }));
    }
    expect(perHostDay).toEqual(expected);
    expect(expected.size).toBe(HOSTS.length * DAYS);
  });

  it('stores every document field for field as the embedded store keeps it, format and times included', async () => {
    // Read as the migration reads, while the embedded collector still runs on the folder.
    const store = new EmbeddedStore(
      { dir: join(embeddedDir, 'store'), searchTimeoutMs: 60_000, exactTotalUpTo: 1, lockTimeoutMs: 5000 },
      pino({ level: 'silent' }),
    );
    const embeddedDocs = new Map<string, EcsDocument>();
    try {
      await store.init();
      let after: bigint | null = null;
      do {
        const page: { events: StoredEvent[]; next: bigint | null } = await store.exportEvents({
          from: new Date(windowFrom),
          to: new Date(windowTo),
          after,
          limit: 900,
        });
        for (const e of page.events) embeddedDocs.set(e.id, e.doc);
        after = page.next;
      } while (after !== null);
    } finally {
      await store.close();
    }
    expect(embeddedDocs.size).toBe(EVENTS);

    const prefix = es.indexPrefix;
    const res = await fetch(`${testEsUrl()}/${prefix}-*,-${prefix}-deadletter*,-${prefix}-hosts*/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ size: EVENTS + 10, query: { match_all: {} } }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { hits: { hits: { _id: string; _source: Record<string, unknown> }[] } };
    // As the collector reads a document back: Elasticsearch rebuilds it from the fields (synthetic _source).
    const esDocs = new Map(body.hits.hits.map((h) => [h._id, storedDocument(h._source)]));
    expect(esDocs.size).toBe(EVENTS);
    // Every document, whole: a field lost or changed on the way shows up here with its id.
    for (const [id, doc] of embeddedDocs) expect([id, esDocs.get(id)]).toEqual([id, doc]);

    const docs = [...esDocs.values()];
    const formats = new Map<string, number>();
    for (const d of docs) formats.set(d.event.dataset, (formats.get(d.event.dataset) ?? 0) + 1);
    expect(formats).toEqual(new Map(SOURCES.map((s) => [s.format, EVENTS / SOURCES.length])));
    // The ingest time is when the embedded collector took the event, not the event's time (days earlier).
    expect(docs.filter((d) => Date.parse(d.event.ingested) >= ingestStart).length).toBe(EVENTS);
    const created = docs.filter((d) => d.event.created !== undefined);
    expect(created.length).toBe(EVENTS - EVENTS / 5);
    expect(created.every((d) => Date.parse(d.event.created!) === Date.parse(d['@timestamp']) + 1500)).toBe(true);
    expect(docs.filter((d) => d.log?.original_bytes !== undefined).length).toBe(Math.ceil(EVENTS / 7));
  });

  it('answers the same hits from the Elasticsearch-backed collector as from the embedded one', async () => {
    for (const q of [
      '',
      'host:web-2',
      'level:error',
      'service:nginx AND GET',
      'labels.env:prod',
      'event.dataset:json',
    ]) {
      const fromEmbedded = await allHits(embedded.url, embeddedToken, q);
      const fromEs = await allHits(es.url, es.tokens.read, q);
      expect([q, fromEs.hits.length]).toEqual([q, fromEmbedded.hits.length]);
      expect([q, fromEs.total]).toEqual([q, fromEmbedded.total]);
      // Whole hits, in order: ids, timestamps, messages, host/service/level/source/offset and every field.
      expect(fromEs.hits).toEqual(fromEmbedded.hits);
    }
    const all = await allHits(es.url, es.tokens.read, '');
    expect(all.hits.length).toBe(EVENTS);
    expect(all.hits.filter((h) => h.fields.env === 'prod').length).toBeGreaterThan(0);
    expect(withStatus).toBeGreaterThan(EVENTS / 4);
    expect(all.hits.filter((h) => h.fields['http.response.status_code'] !== undefined).length).toBe(withStatus);

    type DeadLetters = { dead_letters: { code: string; reason: string; original?: string; received_at: string }[] };
    const path = `/api/v1/deadletter?from=now-1d&to=now`;
    // The three were received in one millisecond: their order among each other is not defined, so compare sorted.
    const keep = (d: DeadLetters) =>
      d.dead_letters
        .map(({ code, reason, original, received_at }) => ({ code, reason, original, received_at }))
        .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    const embeddedDead = keep(await get<DeadLetters>(embedded.url, embeddedToken, path));
    expect(embeddedDead).toHaveLength(3);
    expect(keep(await get<DeadLetters>(es.url, es.tokens.admin, path))).toEqual(embeddedDead);
  });

  it('stores nothing the second time and counts every event and dead letter as a duplicate', async () => {
    const run = await migrate();
    expect([run.code, run.stdout]).toEqual([
      0,
      'migrated: read 5000, stored 0, duplicates 5000, failed 0; dead letters: read 3, stored 0, duplicates 3, failed 0\n',
    ]);
    const prefix = es.indexPrefix;
    expect(await esCount(`${prefix}-*,-${prefix}-deadletter*,-${prefix}-hosts*`)).toBe(EVENTS);
    expect(await esCount(`${prefix}-deadletter*`)).toBe(3);
  });

  it('copies only the chosen time window with --from and --to', async () => {
    const day = windowFrom.slice(0, 10);
    const run = await migrate(['--from', `${day}T00:00:00Z`, '--to', `${day}T23:59:59.999Z`, '--no-dead-letters']);
    const inDay = [...expected].filter(([k]) => k.endsWith(day.replaceAll('-', '.'))).reduce((s, [, n]) => s + n, 0);
    expect([run.code, run.stdout]).toEqual([0, `migrated: read ${inDay}, stored 0, duplicates ${inDay}, failed 0\n`]);
  });

  it('copies what the still-running collector stored since the last run, and leaves its store intact', async () => {
    const late = { id: 'mig-late', timestamp: windowFrom, host: 'web-1', message: 'stored after the first migration' };
    expect(await post(embedded.url, embeddedToken, [JSON.stringify(late)])).toMatchObject({ accepted: 1 });
    const run = await migrate(['--no-dead-letters']);
    expect([run.code, run.stdout]).toEqual([
      0,
      `migrated: read ${EVENTS + 1}, stored 1, duplicates ${EVENTS}, failed 0\n`,
    ]);
    const hits = await allHits(es.url, es.tokens.read, 'id:mig-late');
    expect(hits.hits.map((h) => [h.id, h.message])).toEqual([['mig-late', late.message]]);
    const db = new Database(join(embeddedDir, 'store', 'events.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(EVENTS + 1);
    } finally {
      db.close();
    }
  });

  it('answers --help and refuses wrong arguments with exit code 2, naming the argument', async () => {
    const help = await logship(['migrate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: logship migrate');
    expect(help.stdout).toContain('--es-url');

    const cases: [string[], string][] = [
      [['--es-url', 'localhost:9200'], '--es-url'],
      [['--es-url', testEsUrl(), '--batch', '0'], '--batch'],
      [['--es-url', testEsUrl(), '--from', 'yesterday'], '--from'],
      [['--es-url', testEsUrl(), '--index-prefix', 'Logship'], '--index-prefix'],
      [['--data-dir', embeddedDir], '--es-url'],
    ];
    for (const [args, named] of cases) {
      const run = await logship(['migrate', '--data-dir', embeddedDir, ...args]);
      expect([args.join(' '), run.code]).toEqual([args.join(' '), 2]);
      expect(run.stderr).toContain(named);
    }
    const empty = mkdtempSync(join(tmpdir(), 'logship-migrate-empty-'));
    try {
      const run = await logship(['migrate', '--es-url', testEsUrl(), '--data-dir', empty]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('MIGRATE_NO_STORE');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
