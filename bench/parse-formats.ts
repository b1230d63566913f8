/**
 * Parse benchmark (issue 5): normalisation cost per event and format, over the fixture files, in one process with no
 * I/O. Prints µs/event; the hot path budget is what the collector spends per event besides Elasticsearch.
 *
 *   npm run build && node dist/bench/parse-formats.js
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeEvent } from '../collector/ingest/normalize-event.js';
import type { Format } from '../protocol/event.js';

const ROOT = join(import.meta.dirname, '..', '..');
const EVENTS = Number(process.env.LOGSHIP_BENCH_EVENTS ?? 300_000);
const CASES: [string, Format][] = [
  ['nginx/access.log', 'nginx'],
  ['nginx/access.log', 'auto'],
  ['apache/error.log', 'apache'],
  ['syslog/messages.log', 'syslog'],
  ['postgres/postgresql.log', 'postgres'],
  ['postgres/postgresql.csv', 'postgres'],
  ['mysql/error.log', 'mysql'],
  ['json/pino.log', 'json'],
  ['json/ecs.log', 'json'],
  ['plain/app.log', 'plain'],
  ['plain/app.log', 'auto'],
];

const now = '2026-11-26T12:00:00.000Z';
const ctx = { now, nowMs: Date.parse(now), maxMessageBytes: 1 << 20 };
for (const [file, format] of CASES) {
  const lines = readFileSync(join(ROOT, 'test', 'fixtures', file), 'utf8')
    .split('\n')
    .filter(Boolean);
  const values = lines.map((message, i) => ({
    line: i + 1,
    text: '',
    value: { id: `e${i}`, host: 'h', source: `/var/log/${file}`, offset: i, format, tz: 'Europe/Berlin', message },
  }));
  for (let r = 0; r < 20; r++) for (const v of values) normalizeEvent(v, ctx);
  const rounds = Math.ceil(EVENTS / values.length);
  const started = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const v of values) normalizeEvent(v, ctx);
  const ns = Number(process.hrtime.bigint() - started) / (rounds * values.length);
  console.log(`${`${file} (${format})`.padEnd(34)} ${(ns / 1000).toFixed(2).padStart(6)} µs/event`);
}
