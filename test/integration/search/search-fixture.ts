import { gzipSync } from 'node:zlib';
import type { IngestEvent } from '../../../protocol/event.js';
import { postIngest, type TestCollector } from '../../support/collector-harness.js';
import { expectSchema } from './openapi-validator.js';
import { seededRandom } from '../../support/seeded-random.js';

/**
 * A day of logs from five hosts, generated from a fixed seed so every count a test asserts can be recomputed
 * here from the events themselves (the oracle), independently of Elasticsearch.
 */
export const HOSTS = ['web-1', 'web-2', 'db-1', 'cache-1', 'worker-1'] as const;
const SERVICE: Record<string, string> = {
  'web-1': 'api',
  'web-2': 'api',
  'db-1': 'postgres',
  'cache-1': 'cache',
  'worker-1': 'worker',
};
const SOURCES: Record<string, string[]> = {
  api: ['/var/log/api/access.log', '/var/log/api/app.log'],
  postgres: ['/var/log/postgresql/main.log'],
  cache: ['/var/log/redis/redis.log'],
  worker: ['/var/log/worker/jobs.log', '/var/log/worker/cron.log'],
};
const PATHS = ['/api/users', '/api/orders', '/api/orders/refund', '/health', '/metrics', '/login'];
const STATUSES = ['200', '200', '200', '201', '204', '301', '400', '404', '429', '500', '503'];
const WORDS = [
  'request served',
  'connection reset by peer',
  'timeout waiting for lock',
  'timedout after retry',
  'cache miss for key',
  'job finished',
  'checkpoint complete',
  'slow query detected',
  'user logged in',
  'disk usage high',
];

/** Levels with their weights; some events carry none at all. */
const LEVELS: [string | undefined, number][] = [
  ['info', 62],
  ['debug', 15],
  ['warn', 9],
  ['error', 6],
  ['fatal', 1],
  ['trace', 2],
  [undefined, 5],
];

/** Ties on purpose: four events share each millisecond, from different hosts or files. */
export const PER_TIMESTAMP = 4;
export const STEP_MS = 3456;

export interface FixtureEvent extends IngestEvent {
  id: string;
  timestamp: string;
  host: string;
  service: string;
  source: string;
  offset: number;
  fields: Record<string, string>;
}

/** `count` events from `base` (ms) on, spread over 24 h. */
export function generateEvents(count: number, base: number, seed = 42): FixtureEvent[] {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const offsets = new Map<string, number>();
  const weightTotal = LEVELS.reduce((s, [, w]) => s + w, 0);
  const events: FixtureEvent[] = [];
  for (let i = 0; i < count; i++) {
    const host = pick(HOSTS);
    const service = SERVICE[host]!;
    const source = pick(SOURCES[service]!);
    let r = random() * weightTotal;
    let level: string | undefined;
    for (const [l, w] of LEVELS) {
      r -= w;
      if (r < 0) {
        level = l;
        break;
      }
    }
    const status = pick(STATUSES);
    const path = pick(PATHS);
    const text = pick(WORDS);
    const ms = Math.floor(random() * 900) + 1;
    const message = `${text} method GET path ${path.slice(1).replaceAll('/', ' ')} status ${status} took ${ms} ms`;
    const fileKey = `${host}:${source}`;
    const offset = offsets.get(fileKey) ?? 0;
    offsets.set(fileKey, offset + message.length + 1);
    const fields: Record<string, string> = { status, path };
    if (i % 10 !== 0) fields.env = i % 3 === 0 ? 'staging' : 'prod';
    events.push({
      id: `fx-${String(i).padStart(6, '0')}`,
      timestamp: new Date(base + Math.floor(i / PER_TIMESTAMP) * STEP_MS).toISOString(),
      host,
      service,
      source,
      offset,
      format: 'plain',
      ...(level ? { level: level as FixtureEvent['level'] } : {}),
      message,
      fields,
    });
  }
  return events;
}

/** The search order of docs/api.md: timestamp, host, source, offset, id. */
export function compareEvents(a: FixtureEvent, b: FixtureEvent): number {
  return (
    cmp(a.timestamp, b.timestamp) ||
    cmp(a.host, b.host) ||
    cmp(a.source, b.source) ||
    a.offset - b.offset ||
    cmp(a.id, b.id)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The words of a message as the store indexes them (these messages hold only lower-case words and numbers). */
export function tokens(e: FixtureEvent): string[] {
  return e.message.split(' ');
}

/** Loads events through the collector's ingest API: gzip, `batch` events per request, a few in parallel. */
export async function ingestAll(collector: TestCollector, events: readonly IngestEvent[], batch = 10_000) {
  const bodies: Buffer[] = [];
  for (let i = 0; i < events.length; i += batch) {
    const text = events
      .slice(i, i + batch)
      .map((e) => JSON.stringify(e))
      .join('\n');
    bodies.push(gzipSync(text + '\n'));
  }
  let accepted = 0;
  for (let i = 0; i < bodies.length; i += 3) {
    const results = await Promise.all(
      bodies.slice(i, i + 3).map(async (body) => {
        const res = await postIngest(collector.url, collector.tokens.ingest, body, { 'content-encoding': 'gzip' });
        const json = res.body;
        expectSchema(res.status === 200 ? 'IngestResult' : 'Error', json);
        if (res.status !== 200 || json.rejected !== 0) {
          throw new Error(`ingest answered ${res.status}: ${JSON.stringify(json).slice(0, 500)}`);
        }
        return json.accepted;
      }),
    );
    accepted += results.reduce((s, n) => s + n, 0);
  }
  return accepted;
}
