/**
 * Sizing figures for docs/elasticsearch.md: how many events per second one Elasticsearch node takes through the
 * collector, and how much disk a million events need. The events are the real log lines of test/fixtures (nginx,
 * Apache, PostgreSQL, MySQL, syslog, JSON loggers, Java and Python tracebacks), cycled with distinct offsets and
 * eight hosts, sent as shippers send them (batches of 2,000, four at a time) to a collector on one node.
 *
 * LOGSHIP_BENCH_EVENTS (default 1,000,000), LOGSHIP_BENCH_ES_HEAP (default 1g).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import pino from 'pino';
import { createToken } from '../collector/auth/token-store.js';
import { collectorConfig } from '../collector/config.js';
import { startCollector } from '../collector/main.js';
import { startElasticsearch } from '../scripts/es/es-process.js';
import { isRoot } from '../scripts/es/es-user.js';
import { writeResults } from './results-file.js';

const EVENTS = Number(process.env.LOGSHIP_BENCH_EVENTS ?? 1_000_000);
const HEAP = process.env.LOGSHIP_BENCH_ES_HEAP ?? '1g';
const PORT = 19230;
const BATCH = 2000;
const SENDERS = 4;
const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures');

function fixtureLines(): string[] {
  const lines: string[] = [];
  for (const kind of readdirSync(FIXTURES))
    for (const file of readdirSync(join(FIXTURES, kind)))
      for (const line of readFileSync(join(FIXTURES, kind, file), 'utf8').split('\n'))
        if (line.trim()) lines.push(line);
  return lines;
}

async function main(): Promise<void> {
  const lines = fixtureLines();
  // Under /var/lib/logship-es as root: a folder the Elasticsearch user reaches whatever happens to /tmp.
  const esDir = isRoot() ? '/var/lib/logship-es/bench-sizing' : join(tmpdir(), 'logship-bench-sizing');
  const es = await startElasticsearch({ port: PORT, dataDir: esDir, heap: HEAP, fresh: true });
  if (es.reused) throw new Error(`Something already answers on 127.0.0.1:${PORT}; this bench needs it free.`);
  const work = mkdtempSync(join(tmpdir(), 'logship-bench-sizing-'));
  const client = new Client({ node: es.url, requestTimeout: 600_000 });
  try {
    const token = createToken(work, 'bench', 'ingest');
    const collector = await startCollector(
      collectorConfig({
        listen: '127.0.0.1:0',
        data_dir: work,
        elasticsearch: { url: es.url, index_prefix: 'sizing' },
        // The fixtures carry their own (past) dates: nothing may expire during the run.
        retention_days: 3650,
      }),
      pino({ level: 'warn' }),
    );
    let next = 0;
    const sender = async () => {
      for (;;) {
        const start = next;
        if (start >= EVENTS) return;
        next += BATCH;
        let body = '';
        for (let i = start; i < Math.min(EVENTS, start + BATCH); i++)
          body += `${JSON.stringify({ id: `s${i}`, host: `host-${i % 8}`, source: '/var/log/app.log', offset: i * 200, message: lines[i % lines.length] })}\n`;
        for (;;) {
          const res = await fetch(`${collector.url}/api/v1/ingest`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
            body,
          });
          await res.arrayBuffer();
          if (res.status === 200) break;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: SENDERS }, sender));
    const seconds = (Date.now() - started) / 1000;
    await collector.stop();
    await client.indices.refresh({ index: 'sizing-*' });
    const count = (await client.count({ index: 'sizing-2*,sizing-1*' })).count;
    const size = async () => {
      const rows = (await client.cat.indices({
        index: 'sizing-*',
        format: 'json',
        bytes: 'b',
        h: 'index,pri.store.size',
      })) as {
        'pri.store.size'?: string;
      }[];
      return rows.reduce((sum, r) => sum + Number(r['pri.store.size'] ?? 0), 0);
    };
    await client.indices.flush({ index: 'sizing-*' });
    const flushed = await size();
    await client.indices.forcemerge({ index: 'sizing-*', max_num_segments: 1 });
    const merged = await size();
    const perEvent = merged / count;
    const rate = count / seconds;
    const report = {
      when: new Date().toISOString(),
      machine: '2 cores (shared), collector and one Elasticsearch node on the same machine',
      es_heap: HEAP,
      events: count,
      fixture_lines: lines.length,
      seconds: Number(seconds.toFixed(1)),
      events_per_second: Math.round(rate),
      disk_bytes_after_flush: flushed,
      disk_bytes_after_forcemerge: merged,
      gb_per_million_events_flushed: Number((((flushed / count) * 1e6) / 1e9).toFixed(3)),
      gb_per_million_events_merged: Number(((perEvent * 1e6) / 1e9).toFixed(3)),
      gb_per_day_at_this_rate_primary: Number(((rate * 86_400 * perEvent) / 1e9).toFixed(1)),
    };
    console.log(JSON.stringify(report, null, 2));
    writeResults('es-sizing', report);
  } finally {
    await client.close();
    await es.stop();
    rmSync(work, { recursive: true, force: true });
    rmSync(esDir, { recursive: true, force: true });
  }
}

await main();
