/**
 * Sizing figures for docs/elasticsearch.md: how many events per second one Elasticsearch node takes through the
 * collector, and how much disk a million events need. The events are the real log lines of test/fixtures (nginx,
 * Apache, PostgreSQL, MySQL, syslog, JSON loggers, Java and Python tracebacks), cycled with distinct offsets and
 * eight hosts, sent as shippers send them (batches of 2,000, four at a time) to a collector on one node.
 *
 * Disk is also put against the raw log bytes (the lines and their newlines, as they sat in the files): the goal is at
 * most 1.5 × (issue 19).
 *
 * LOGSHIP_BENCH_TEMPLATES=1 then copies the first LOGSHIP_BENCH_TEMPLATE_EVENTS (default 200,000) stored documents
 * into one index per template variant (codec, index sorting, the id's index, message positions…) and reports, for
 * each against the template as shipped: bytes per event after a force merge, the bulk rate into it, and p50 of a
 * search and a histogram on it; what each change costs or saves.
 *
 * LOGSHIP_BENCH_EVENTS (default 1,000,000), LOGSHIP_BENCH_ES_HEAP (default 1g), LOGSHIP_BENCH_ES_PORT (default 19230).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import pino from 'pino';
import { createToken } from '../collector/auth/token-store.js';
import { collectorConfig } from '../collector/config.js';
import { startCollector } from '../collector/main.js';
import { benchElasticsearch } from './bench-elasticsearch.js';
import { measureVariants, readDocuments, type VariantRow } from './es-template-variants.js';
import { writeResults } from './results-file.js';

const EVENTS = Number(process.env.LOGSHIP_BENCH_EVENTS ?? 1_000_000);
const TEMPLATES = process.env.LOGSHIP_BENCH_TEMPLATES === '1';
const TEMPLATE_EVENTS = Number(process.env.LOGSHIP_BENCH_TEMPLATE_EVENTS ?? 200_000);
const PORT = 19230;
const BATCH = 2000;
const SENDERS = 4;
const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures');

function fixtureLines(): string[] {
  const lines: string[] = [];
  for (const kind of readdirSync(FIXTURES))
    if (statSync(join(FIXTURES, kind)).isDirectory())
      for (const file of readdirSync(join(FIXTURES, kind)))
        for (const line of readFileSync(join(FIXTURES, kind, file), 'utf8').split('\n'))
          if (line.trim()) lines.push(line);
  return lines;
}

async function main(): Promise<void> {
  const lines = fixtureLines();
  const es = await benchElasticsearch('sizing', PORT);
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
    const ingestLoad = Number(loadavg()[0]!.toFixed(2));
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
    // The lines as they sat in the files, newline included: what the events cost before logship stored them.
    let rawBytes = 0;
    for (let i = 0; i < count; i++) rawBytes += Buffer.byteLength(lines[i % lines.length]!) + 1;
    let templates: VariantRow[] | undefined;
    if (TEMPLATES) templates = await measureVariants(client, await readDocuments(client, 'sizing-*', TEMPLATE_EVENTS));
    const report = {
      when: new Date().toISOString(),
      machine: '2 cores (shared), collector and one Elasticsearch node on the same machine',
      es_heap: es.heap,
      events: count,
      fixture_lines: lines.length,
      seconds: Number(seconds.toFixed(1)),
      events_per_second: Math.round(rate),
      load_average_after_ingest: ingestLoad,
      raw_bytes: rawBytes,
      raw_bytes_per_event: Number((rawBytes / count).toFixed(1)),
      disk_bytes_per_event_merged: Number(perEvent.toFixed(1)),
      disk_vs_raw_merged: Number((merged / rawBytes).toFixed(3)),
      disk_vs_raw_flushed: Number((flushed / rawBytes).toFixed(3)),
      disk_bytes_after_flush: flushed,
      disk_bytes_after_forcemerge: merged,
      gb_per_million_events_flushed: Number((((flushed / count) * 1e6) / 1e9).toFixed(3)),
      gb_per_million_events_merged: Number(((perEvent * 1e6) / 1e9).toFixed(3)),
      gb_per_day_at_this_rate_primary: Number(((rate * 86_400 * perEvent) / 1e9).toFixed(1)),
      ...(templates ? { template_variants: { events: Math.min(count, TEMPLATE_EVENTS), rows: templates } } : {}),
    };
    console.log(JSON.stringify(report, null, 2));
    writeResults('es-sizing', report);
  } finally {
    await client.close();
    await es.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
