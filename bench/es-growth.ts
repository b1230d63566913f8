/**
 * Growth on Elasticsearch (issue 19, goal 5): the same benchmarks on 1,000,000 and on 10,000,000 events from 30 hosts
 * over 7 days, on one Elasticsearch node of its own, and the ratios between them. Goals: ingest at 10M no more than
 * 20 % slower than at 1M; every query kind's p50 at 10M at most 2 × its 1M figure and never above 200 ms; the UI's
 * first results at 10M within 500 ms. Long (about half an hour), so not part of `npm run bench`:
 *
 *   npm run build && npm run bench:growth
 *   LOGSHIP_BENCH_ES_PORT=19264      the node's HTTP port (default 19204; transport port + 100)
 *   LOGSHIP_BENCH_GROWTH_EVENTS      the two sizes, default 1000000,10000000
 *   LOGSHIP_BENCH_GROWTH_UI=0        leave out the UI benchmark
 *   LOGSHIP_BENCH_GROWTH_KEEP=1      keep the node's data for the next run, which then reuses the loaded events
 *                                    (and measures no ingest): for trying a read-side change on the same data
 *
 * Writes bench/results/search-latency-<N>.json and ui-first-paint-<N>.json for each run, and es-growth.json with the
 * comparison and each set's bytes on disk per event against its raw lines (growth-bytes.ts). A kept run measures no
 * ingest; es-growth-ingest.ts then times a million events on top of the largest set against one into an empty store.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchElasticsearch } from './bench-elasticsearch.js';
import { setBytes } from './growth-bytes.js';
import { dataShape } from './growth-shape.js';
import { writeResults } from './results-file.js';

const SIZES = (process.env.LOGSHIP_BENCH_GROWTH_EVENTS ?? '1000000,10000000').split(',').map(Number);
const UI = process.env.LOGSHIP_BENCH_GROWTH_UI !== '0';
const KEEP = process.env.LOGSHIP_BENCH_GROWTH_KEEP === '1';
const SHAPE_OF = { hosts: 30, days: 7 };
const SHAPE = { LOGSHIP_BENCH_HOSTS: String(SHAPE_OF.hosts), LOGSHIP_BENCH_DAYS: String(SHAPE_OF.days) };
const RESULTS = join(import.meta.dirname, '..', '..', 'bench', 'results');

interface LatencyRow {
  window: string;
  query: string;
  api_p50_ms: number;
  api_p95_ms: number;
  load_average: number;
}
interface Latency {
  ingest?: { events_per_second: number; load_average: number };
  counts?: { seconds: number; hours: number; load_average: number };
  results: LatencyRow[];
}
interface PaintRow {
  store: string;
  query: string;
  paint_p50_ms: number;
  paint_p95_ms: number;
  load_average: number;
}

function run(bench: string, env: Record<string, string>): void {
  process.stdout.write(`\n=== ${bench} ${JSON.stringify(env)}\n`);
  const child = spawnSync(process.execPath, [join(import.meta.dirname, `${bench}.js`)], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  if (child.status !== 0) throw new Error(`${bench} failed (exit ${child.status ?? child.signal}).`);
}

function read<T>(name: string): T {
  return JSON.parse(readFileSync(join(RESULTS, `${name}.json`), 'utf8')) as T;
}

async function main(): Promise<void> {
  const es = await benchElasticsearch('growth', 19204, { fresh: !KEEP, keep: KEEP });
  const bytes = [];
  try {
    const env = { ...SHAPE, LOGSHIP_BENCH_ES_URL: es.url };
    for (const events of SIZES)
      run('search-latency', {
        ...env,
        LOGSHIP_BENCH_EVENTS: String(events),
        LOGSHIP_BENCH_RESULT: `search-latency-${events}`,
      });
    const largest = Math.max(...SIZES);
    for (const events of SIZES) bytes.push(await setBytes(es.url, dataShape({ events, ...SHAPE_OF })));
    if (UI)
      run('ui-first-paint', {
        ...env,
        LOGSHIP_BENCH_EVENTS: String(largest),
        LOGSHIP_BENCH_RESULT: `ui-first-paint-${largest}`,
      });
  } finally {
    await es.stop();
  }

  const [small, large] = [Math.min(...SIZES), Math.max(...SIZES)];
  const a = read<Latency>(`search-latency-${small}`);
  const b = read<Latency>(`search-latency-${large}`);
  const queries = b.results.map((row) => {
    const before = a.results.find((r) => r.window === row.window && r.query === row.query);
    const ratio = before ? row.api_p50_ms / before.api_p50_ms : undefined;
    return {
      window: row.window,
      query: row.query,
      [`p50_ms_${small}`]: before?.api_p50_ms,
      [`p95_ms_${small}`]: before?.api_p95_ms,
      [`p50_ms_${large}`]: row.api_p50_ms,
      [`p95_ms_${large}`]: row.api_p95_ms,
      p50_ratio: ratio === undefined ? undefined : +ratio.toFixed(2),
      met: ratio !== undefined && ratio <= 2 && row.api_p50_ms <= 200,
      load_average: [before?.load_average, row.load_average],
    };
  });
  const ingest =
    a.ingest && b.ingest
      ? {
          [`events_per_second_${small}`]: a.ingest.events_per_second,
          [`events_per_second_${large}`]: b.ingest.events_per_second,
          slowdown: +(1 - b.ingest.events_per_second / a.ingest.events_per_second).toFixed(3),
          met: b.ingest.events_per_second >= 0.8 * a.ingest.events_per_second,
          load_average: [a.ingest.load_average, b.ingest.load_average],
        }
      : undefined;
  const ui = UI
    ? read<{ first_paint: PaintRow[] }>(`ui-first-paint-${large}`).first_paint.map((r) => ({
        store: r.store,
        query: r.query,
        paint_p50_ms: r.paint_p50_ms,
        paint_p95_ms: r.paint_p95_ms,
        met: r.paint_p50_ms <= 500,
        load_average: r.load_average,
      }))
    : undefined;
  // How long counting the hours took after each load (es-counts.ts); none when an earlier run had counted them.
  const counts = { [small]: a.counts, [large]: b.counts };
  writeResults('es-growth', { sizes: SIZES, shape: SHAPE_OF, ingest, bytes, counts, queries, ui });
  console.log(JSON.stringify({ ingest, bytes, counts, queries, ui }, null, 2));
}

await main();
