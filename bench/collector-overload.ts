/**
 * Issue 5: the collector's memory under a 10× overload, against the real Elasticsearch. One collector process with
 * its default limits (`limits.max_ingest_in_flight` 16, `limits.max_body_bytes` 32 MiB):
 *  1. normal: one shipper's worth of load (2 requests in flight, batches of 2,000 events, ~0.8 MB uncompressed);
 *  2. overload: 160 senders at once (10× the admission limit, 80× a shipper), each retrying a refused batch after
 *     Retry-After plus up to 20 % jitter, as the shipper does.
 * It samples the collector's resident memory every 100 ms, counts the answers (200, 429, anything else is an error)
 * and waits until every event is searchable: exactly once, nothing lost. Prints the figures and writes
 * bench/results/collector-overload.json. Not a test.
 *
 *   npm run build && node dist/bench/collector-overload.js
 *   (LOGSHIP_BENCH_ES_URL to use a running Elasticsearch instead of starting one on 127.0.0.1:19203, or
 *    LOGSHIP_BENCH_ES_PORT for another port (bench/bench-elasticsearch.ts);
 *    LOGSHIP_BENCH_COLLECTOR_ARGS: Node options for the collector, e.g. "--heap-prof --heap-prof-dir=/tmp/p";
 *    LOGSHIP_BENCH_NORMAL_EVENTS 300,000, LOGSHIP_BENCH_OVERLOAD_EVENTS 1,000,000, LOGSHIP_BENCH_SENDERS 160)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { createToken } from '../collector/auth/token-store.js';
import { benchElasticsearch } from './bench-elasticsearch.js';
import { untilSearchable } from './es-ceiling.js';
import { benchEvent } from './ingest-lines.js';
import { Proc, interruptedBy, listenUrl } from './measured-process.js';
import { writeResults } from './results-file.js';

const NORMAL_EVENTS = Number(process.env.LOGSHIP_BENCH_NORMAL_EVENTS ?? 300_000);
const OVERLOAD_EVENTS = Number(process.env.LOGSHIP_BENCH_OVERLOAD_EVENTS ?? 1_000_000);
const SENDERS = Number(process.env.LOGSHIP_BENCH_SENDERS ?? 160);
const BATCH = 2000;
const ADMITTED = 16;
const ES_PORT = 19203;
const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'logship.js');

interface Answers {
  ok: number;
  refused: number;
  accepted: number;
  duplicates: number;
}

interface PhaseResult {
  name: string;
  senders: number;
  events: number;
  seconds: number;
  docs_per_s: number;
  requests_ok: number;
  requests_refused_429: number;
  accepted: number;
  duplicates: number;
  /** Resident memory of the collector, sampled every 100 ms during the phase. */
  rss_mb: { start: number; max: number; max_first_half: number; max_second_half: number; end: number };
  /** VmHWM at the end of the phase: the highest resident memory since the collector started. */
  peak_rss_mb_so_far: number;
}

/** Events [first, first + count) as NDJSON, built only when a sender needs them. */
function batchBody(first: number, count: number, base: number): string {
  let out = '';
  for (let i = first; i < first + count; i++) out += JSON.stringify(benchEvent(i, base, 'auto')) + '\n';
  return out;
}

/** `senders` lanes post the batches of [first, first + events) until each is stored, honouring 429 + Retry-After. */
async function send(url: string, token: string, first: number, events: number, senders: number, base: number) {
  const answers: Answers = { ok: 0, refused: 0, accepted: 0, duplicates: 0 };
  let next = first;
  const end = first + events;
  const lane = async () => {
    while (next < end) {
      const start = next;
      next = Math.min(end, next + BATCH);
      const body = batchBody(start, next - start, base);
      for (;;) {
        if (interruptedBy()) throw new Error(`interrupted by ${interruptedBy()}`);
        const res = await fetch(`${url}/api/v1/ingest`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${token}` },
          body,
        });
        const text = await res.text();
        if (res.status === 200) {
          const result = JSON.parse(text) as { accepted: number; duplicates: number; rejected: number };
          if (result.rejected)
            throw new Error(`the collector rejected ${result.rejected} events: ${text.slice(0, 300)}`);
          answers.ok++;
          answers.accepted += result.accepted;
          answers.duplicates += result.duplicates;
          break;
        }
        if (res.status !== 429 && res.status !== 503)
          throw new Error(`ingest answered ${res.status}: ${text.slice(0, 300)}`);
        answers.refused++;
        const after = Number(res.headers.get('retry-after') ?? 1);
        await new Promise((r) => setTimeout(r, after * 1000 * (1 + Math.random() * 0.2)));
      }
    }
  };
  await Promise.all(Array.from({ length: senders }, lane));
  return answers;
}

/** Samples the collector's VmRSS every 100 ms until stopped. */
function sampleRss(collector: Proc): { stop: () => number[] } {
  const samples: number[] = [];
  const timer = setInterval(() => {
    const u = collector.usage();
    if (u) samples.push(u.rssMb);
  }, 100);
  return {
    stop: () => {
      clearInterval(timer);
      return samples;
    },
  };
}

const round1 = (n: number) => Number(n.toFixed(1));

async function phase(
  name: string,
  ctx: { es: Client; url: string; token: string; collector: Proc; pattern: string; base: number },
  first: number,
  events: number,
  senders: number,
): Promise<PhaseResult> {
  const rss = sampleRss(ctx.collector);
  const started = Date.now();
  const answers = await send(ctx.url, ctx.token, first, events, senders, ctx.base);
  const seconds = await untilSearchable(ctx.es, ctx.pattern, first + events, started, {
    pollMs: 250,
    check: () => ctx.collector.check(),
  });
  const samples = rss.stop();
  const half = Math.floor(samples.length / 2);
  const result: PhaseResult = {
    name,
    senders,
    events,
    seconds: round1(seconds),
    docs_per_s: Math.round(events / seconds),
    requests_ok: answers.ok,
    requests_refused_429: answers.refused,
    accepted: answers.accepted,
    duplicates: answers.duplicates,
    rss_mb: {
      start: round1(samples[0] ?? 0),
      max: round1(Math.max(...samples)),
      max_first_half: round1(Math.max(...samples.slice(0, half))),
      max_second_half: round1(Math.max(...samples.slice(half))),
      end: round1(samples[samples.length - 1] ?? 0),
    },
    peak_rss_mb_so_far: round1(ctx.collector.usage()?.peakRssMb ?? 0),
  };
  console.log(JSON.stringify(result));
  return result;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'logship-bench-overload-'));
  const own = await benchElasticsearch('overload', ES_PORT);
  const esUrl = own.url;
  const es = new Client({ node: esUrl, requestTimeout: 120_000 });
  const prefix = `bench-overload-${process.pid}`;
  const data = join(work, 'collector');
  mkdirSync(data);
  const token = createToken(data, 'bench', 'ingest');
  const config = join(work, 'collector.yml');
  writeFileSync(
    config,
    JSON.stringify({ listen: '127.0.0.1:0', data_dir: data, elasticsearch: { url: esUrl, index_prefix: prefix } }),
  );
  const nodeArgs = (process.env.LOGSHIP_BENCH_COLLECTOR_ARGS ?? '').split(' ').filter(Boolean);
  const collector = new Proc('collector', process.execPath, [...nodeArgs, CLI, 'collector', '--config', config]);
  try {
    const url = await collector.waitFor('listen address', listenUrl, 120_000);
    const ctx = { es, url, token, collector, pattern: `${prefix}-2*`, base: Date.now() - 3_600_000 };
    const idle = collector.usage()?.rssMb ?? 0;
    const normal = await phase('normal', ctx, 0, NORMAL_EVENTS, 2);
    const overload = await phase('overload', ctx, NORMAL_EVENTS, OVERLOAD_EVENTS, SENDERS);
    const total = (await es.count({ index: ctx.pattern })).count;
    const report = {
      measured_at: new Date().toISOString(),
      machine: { cpus: cpus().length, loadavg_1m_after: round1(loadavg()[0]!) },
      collector_limits: { max_ingest_in_flight: ADMITTED, max_body_bytes: '32 MiB', batch_events: BATCH },
      idle_rss_mb: round1(idle),
      phases: [normal, overload],
      events_sent: NORMAL_EVENTS + OVERLOAD_EVENTS,
      documents_found: total,
      lost: NORMAL_EVENTS + OVERLOAD_EVENTS - total,
    };
    console.log(
      `\nnormal (2 senders): ${normal.docs_per_s} docs/s, collector RSS max ${normal.rss_mb.max} MB\n` +
        `overload (${SENDERS} senders, ${SENDERS / ADMITTED}× the admission limit): ${overload.docs_per_s} docs/s, ` +
        `${overload.requests_refused_429} answers 429, RSS max ${overload.rss_mb.max} MB ` +
        `(first half ${overload.rss_mb.max_first_half}, second half ${overload.rss_mb.max_second_half})\n` +
        `${report.events_sent} events sent, ${total} documents found, ${overload.duplicates + normal.duplicates} duplicates answered`,
    );
    writeResults('collector-overload', report);
    if (total !== report.events_sent) process.exitCode = 1;
  } finally {
    await collector.stop();
    await es.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true, allow_no_indices: true });
    await es.indices.deleteIndexTemplate({ name: `${prefix}-*` }, { ignore: [404] });
    await es.close();
    await own.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
