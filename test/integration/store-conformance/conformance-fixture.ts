import type { EcsDocument, StoredEvent } from '../../../collector/store/ecs-document.js';
import { seededRandom } from '../../support/seeded-random.js';

/**
 * Two days of logs from four hosts (and some events with no host, file or offset at all), built straight as
 * stored documents from a fixed seed, so every expected answer is computed here from the events themselves (the
 * oracle) and both stores are held to the same numbers. Four events share each millisecond, so the tie order
 * (host, source, offset, id) is exercised on every page.
 */
export const BASE_MS = Date.parse('2026-11-20T22:00:00.000Z');
export const STEP_MS = 1_013;
export const PER_MS = 4;
export const EVENT_COUNT = 640;
/** The batches carry these ingest times (for tail). */
export const INGESTED = ['2026-11-21T10:00:00.000Z', '2026-11-21T10:05:00.000Z'] as const;

const HOSTS = ['web-1', 'web-2', 'db-1', 'cache-1', null] as const;
const SERVICE: Record<string, string> = { 'web-1': 'api', 'web-2': 'api', 'db-1': 'postgres', 'cache-1': 'cache' };
const SOURCES: Record<string, string[]> = {
  api: ['/var/log/nginx/access.log', '/var/log/api/app.log'],
  postgres: ['/var/log/postgresql/postgresql-16-main.log'],
  cache: ['/var/log/redis/redis-server.log'],
};
const PATHS = ['/api/orders', '/api/orders/refund', '/api/users/42', '/healthz', '/login'];
const STATUSES = [200, 200, 200, 201, 204, 301, 404, 429, 500, 503];
const LEVELS = ['info', 'info', 'info', 'debug', 'warn', 'error', 'fatal', 'trace', undefined] as const;
const PG_LINES = [
  'checkpoint complete: wrote 1342 buffers (8.2%); 0 WAL file(s) added',
  'duration: 1532.117 ms  statement: SELECT * FROM orders WHERE customer_id = $1',
  'could not serialize access due to concurrent update',
  'connection authorized: user=app database=shop application_name=api',
  'deadlock detected while waiting for ShareLock on transaction 88123',
];
const REDIS_LINES = [
  'Background saving started by pid 3101',
  'DB saved on disk',
  'Connection reset by peer while reading from client',
  '10000 changes in 60 seconds. Saving...',
  'Timeout waiting for replica ACK after 5000 ms',
];
/** Errors as Node.js reports them (the text of real `err.message` / `err.stack` values), for the text fields. */
const NODE_ERRORS = [
  {
    message: 'connect ECONNREFUSED 10.0.4.21:5432',
    stack:
      'Error: connect ECONNREFUSED 10.0.4.21:5432\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)',
  },
  {
    message: 'read ECONNRESET',
    stack: 'Error: read ECONNRESET\n    at TCP.onStreamRead (node:internal/stream_base_commons:216:20)',
  },
];
/** DETAIL, HINT and STATEMENT parts of PostgreSQL 15 errors, as its csvlog writes them. */
const PG_DETAIL = 'Key (id)=(8812) already exists.';
const PG_HINT = 'No function matches the given name and argument types. You might need to add explicit type casts.';
const PG_QUERY = 'INSERT INTO orders (id, customer_id, total) VALUES (8812, 77, 19.99)';
/** The full-text fields besides `message` (field-catalogue.ts), which the fixture fills on some events. */
export const TEXT_FIELDS = [
  'error.message',
  'error.stack_trace',
  'postgresql.detail',
  'postgresql.hint',
  'postgresql.query',
] as const;
export type TextField = (typeof TEXT_FIELDS)[number];

const APP_LINES = [
  'order 7731 refunded by support',
  'payment gateway timeout after 3 retries',
  'user alice logged in from 10.0.4.17',
  'cache miss for key session:9f2c',
  'TimedOut talking to inventory-service, falling back',
];

/** A fixture event: the stored form plus the facts the oracle needs without re-parsing text. */
export interface FixtureEvent extends StoredEvent {
  ms: number;
  host: string | null;
  service: string | null;
  source: string | null;
  offset: number | null;
  level: string | null;
  status: number | null;
  env: string | null;
  batch: 0 | 1;
  /** The values of the text fields other than the message that the event has. */
  texts: Partial<Record<TextField, string>>;
}

/** The fixture, in the order it is written (not the search order). */
export function buildFixture(seed = 8): FixtureEvent[] {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const offsets = new Map<string, number>();
  const events: FixtureEvent[] = [];
  for (let i = 0; i < EVENT_COUNT; i++) {
    const host = pick(HOSTS);
    const service = host ? SERVICE[host]! : null;
    const source = service && i % 17 !== 0 ? pick(SOURCES[service]!) : null;
    const level = pick(LEVELS) ?? null;
    const ms = BASE_MS + Math.floor(i / PER_MS) * STEP_MS;
    const timestamp = new Date(ms).toISOString();
    let message: string;
    let status: number | null = null;
    let path: string | null = null;
    if (source === '/var/log/nginx/access.log') {
      status = pick(STATUSES);
      path = pick(PATHS);
      message = `10.0.${i % 7}.${i % 250} - - [${timestamp}] "GET ${path} HTTP/1.1" ${status} ${100 + i} "-" "curl/8.5.0"`;
    } else if (service === 'postgres') message = pick(PG_LINES);
    else if (service === 'cache') message = pick(REDIS_LINES);
    else message = pick(APP_LINES);
    const env = i % 10 === 0 ? null : i % 3 === 0 ? 'staging' : 'prod';
    const fileKey = `${host}:${source}`;
    const offset = source ? (offsets.get(fileKey) ?? 0) : null;
    if (source) offsets.set(fileKey, offset! + message.length + 1);
    const batch: 0 | 1 = i < EVENT_COUNT / 2 ? 0 : 1;
    const id = `cf-${String(i).padStart(5, '0')}`;
    const doc: EcsDocument = {
      '@timestamp': timestamp,
      message,
      event: { id, ingested: INGESTED[batch], dataset: status === null ? 'plain' : 'nginx' },
    };
    if (host) doc.host = { name: host };
    if (service) doc.service = { name: service };
    const log: NonNullable<EcsDocument['log']> = {};
    if (level) log.level = level as NonNullable<EcsDocument['log']>['level'];
    if (source) log.file = { path: source };
    if (offset !== null) log.offset = offset;
    if (Object.keys(log).length) doc.log = log;
    if (status !== null) {
      doc['http.response.status_code'] = status;
      doc['url.path'] = path;
      doc['http.request.method'] = 'GET';
    }
    if (env) doc.labels = { env };
    // Chosen from the index, not the random source, so every other value of the fixture stays as it was.
    const texts: Partial<Record<TextField, string>> = {};
    if (service === 'api' && status === null && i % 3 === 0) {
      const error = NODE_ERRORS[i % NODE_ERRORS.length]!;
      texts['error.message'] = error.message;
      texts['error.stack_trace'] = error.stack;
    } else if (service === 'postgres' && i % 2 === 0) {
      if (i % 4 === 0) texts['postgresql.detail'] = PG_DETAIL;
      else texts['postgresql.hint'] = PG_HINT;
      texts['postgresql.query'] = PG_QUERY;
    }
    Object.assign(doc, texts);
    events.push({ id, doc, ms, host, service, source, offset, level, status, env, batch, texts });
  }
  return events;
}

/** The search order of docs/api.md (time, host, source, offset, id; a missing value first), ascending. */
export function compareEvents(a: FixtureEvent, b: FixtureEvent): number {
  return a.ms - b.ms || cmp(a.host, b.host) || cmp(a.source, b.source) || cmp(a.offset, b.offset) || cmp(a.id, b.id);
}

function cmp<T extends string | number>(a: T | null, b: T | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

/** Ids of the events matching `predicate`, in the given search order. */
export function expectedIds(
  events: readonly FixtureEvent[],
  predicate: (e: FixtureEvent) => boolean,
  order: 'asc' | 'desc' = 'desc',
): string[] {
  const sorted = events.filter(predicate).sort(compareEvents);
  if (order === 'desc') sorted.reverse();
  return sorted.map((e) => e.id);
}

/** Lower-case words of a message, split as both stores' analysers split these lines. */
export function words(e: FixtureEvent): string[] {
  return textWords(e.doc.message);
}

/** Lower-case words of a text, split as both stores' analysers split the fixture's texts. */
export function textWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9_]+/)
    .filter(Boolean);
}

/** The whole fixture's time window. */
export const WINDOW = {
  from: new Date(BASE_MS),
  to: new Date(BASE_MS + Math.ceil(EVENT_COUNT / PER_MS) * STEP_MS),
};
