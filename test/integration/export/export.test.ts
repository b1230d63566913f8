import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { usage } from '../../../bench/measured-process.js';
import { collectorConfig } from '../../../collector/config.js';
import { splitCsv } from '../../../collector/ingest/parse/csv-fields.js';
import type { StoredEvent } from '../../../collector/store/ecs-document.js';
import { createStore } from '../../../collector/store/create-store.js';
import { testEsUrl } from '../../support/elasticsearch.js';
import { Pipeline } from '../../support/pipeline-harness.js';
import { runLogship } from '../../support/processes.js';

/**
 * Export (`/api/v1/export`) from a real collector process on each store: every matching event exactly once, in both
 * formats, while the collector's resident memory stays far below the size of what it streams, also when the reader
 * stalls (backpressure). The million-event run of the same checks is bench/export-memory.ts.
 */
const EVENTS = 40_000;
// An hour ago: well inside retention, which the collector applies when it starts.
const BASE_MS = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
const FROM = new Date(BASE_MS - 1000).toISOString();
const TO = new Date(BASE_MS + EVENTS + 1000).toISOString();
/** Each message is about 2 KB, so an export streams about 80 MB. */
const FILLER = 'x'.repeat(1900);
/** Lines a spreadsheet would run as formulas; the export must neutralise them. */
const FORMULAS = ['=HYPERLINK("http://evil.example","x")', '+1+1', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd'];
/** The collector's V8 heap limit in this test. */
const HEAP_MB = 64;
/**
 * The whole export may peak at most this much above a tenth of it: a few pages more in flight at worst, never the
 * other 90 % of the export (about 72 MB).
 */
const MAX_GROWTH_MB = 70;

function events(): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const id = `ex-${String(i).padStart(6, '0')}`;
    const message = i < FORMULAS.length ? FORMULAS[i]! : `request ${i} done, "quoted", ${FILLER}`;
    out.push({
      id,
      doc: {
        '@timestamp': new Date(BASE_MS + i).toISOString(),
        message,
        host: { name: i % 2 ? 'web-1' : 'web-2' },
        event: { id, ingested: new Date(BASE_MS + EVENTS).toISOString(), dataset: 'plain' },
      },
    });
  }
  return out;
}

/** What exportWhileMeasuring read, with the collector's peak memory while it streamed. */
interface MeasuredExport {
  status: number;
  headers: Headers;
  text: string;
  bytes: number;
  peakMb: number;
}

/**
 * Reads an export twice, first a tenth of it, then all of it, each pausing `stallMs` after the first MB, and gives
 * the whole one with the collector's anonymous RSS peak during each. What memory the export costs is the difference
 * of the two peaks: a collector that streams has the same few pages in flight whatever the size, while one that
 * buffered would grow by the other 90 % of the export. A base sampled before the export moved 62-156 MB on the same
 * data with what V8 and malloc had handed back, so a growth from it did too; both peaks are at working size.
 */
async function exportWhileMeasuring(
  pipeline: Pipeline,
  query: string,
  stallMs: number,
): Promise<MeasuredExport & { smallPeakMb: number }> {
  const small = await measuredExport(pipeline, `${query}&limit=${EVENTS / 10}`, stallMs);
  expect(small.status).toBe(200);
  expect(small.headers.get('x-logship-limit')).toBe(String(EVENTS / 10));
  const whole = await measuredExport(pipeline, `${query}&limit=max`, stallMs);
  return { ...whole, smallPeakMb: small.peakMb };
}

/** Reads one export, pausing `stallMs` after the first MB, while sampling the collector's RSS every 25 ms. */
async function measuredExport(pipeline: Pipeline, query: string, stallMs: number): Promise<MeasuredExport> {
  const pid = pipeline.collectorPid!;
  let peakMb = usage(pid)!.anonRssMb;
  const sampler = setInterval(() => {
    peakMb = Math.max(peakMb, usage(pid)?.anonRssMb ?? 0);
  }, 25);
  try {
    const res = await fetch(`${pipeline.url}/api/v1/export?${query}`, {
      headers: { authorization: `Bearer ${pipeline.tokens.read}` },
    });
    const chunks: Buffer[] = [];
    let bytes = 0;
    let stalled = false;
    for await (const chunk of Readable.fromWeb(res.body! as never) as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      bytes += chunk.length;
      if (!stalled && bytes > 1 << 20) {
        stalled = true;
        await sleep(stallMs);
      }
    }
    return { status: res.status, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), bytes, peakMb };
  } finally {
    clearInterval(sampler);
  }
}

describe.each(['elasticsearch', 'embedded'] as const)('export from a collector on the %s store', (store) => {
  const pipeline = new Pipeline(`export-${store.slice(0, 3)}`, store === 'embedded' ? 'embedded' : {}, undefined, {
    export: { default_events: 1000, max_events: 5_000_000 },
  });

  beforeAll(async () => {
    const config = collectorConfig({ ...pipeline.collectorConfig, data_dir: pipeline.collectorDataDir });
    const writer = createStore(config, pino({ level: 'silent' }));
    await writer.init();
    const all = events();
    for (let i = 0; i < all.length; i += 5000) await writer.write(all.slice(i, i + 5000));
    await writer.close();
    if (store === 'elasticsearch') {
      await fetch(`${testEsUrl()}/${pipeline.indexPrefix}-*/_refresh`, { method: 'POST' });
    }
    // A heap too small to hold the export: a collector that buffered it would run out of memory and die.
    await pipeline.startCollector({ NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` });
  });

  afterAll(() => pipeline.dispose());

  it('streams every event once as NDJSON, in order, with bounded memory while the reader stalls', async () => {
    const result = await exportWhileMeasuring(pipeline, `format=ndjson&from=${FROM}&to=${TO}`, 3000);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(result.headers.get('x-logship-total')).toBe(String(EVENTS));
    const lines = result.text.split('\n');
    expect(lines.pop()).toBe('');
    const ids = lines.map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids.length).toBe(EVENTS);
    expect(new Set(ids).size).toBe(EVENTS);
    expect(ids[0]).toBe('ex-000000');
    expect(ids.at(-1)).toBe(`ex-${String(EVENTS - 1).padStart(6, '0')}`);
    expect(ids).toEqual([...ids].sort());
    expect(result.bytes).toBeGreaterThan(75_000_000);
    process.stdout.write(
      `export ${store} ndjson: ${ids.length} events, ${(result.bytes / 1e6).toFixed(1)} MB, collector anonymous RSS ` +
        `peak ${result.smallPeakMb.toFixed(0)} MB for a tenth of it, ${result.peakMb.toFixed(0)} MB for all\n`,
    );
    expect(result.peakMb - result.smallPeakMb).toBeLessThan(MAX_GROWTH_MB);
  });

  it('streams every event once as CSV with formula cells neutralised, with bounded memory', async () => {
    const result = await exportWhileMeasuring(pipeline, `format=csv&from=${FROM}&to=${TO}`, 0);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(result.headers.get('content-disposition')).toMatch(/^attachment; filename="logship-.*\.csv"$/);
    const records = result.text.split('\r\n');
    expect(records.pop()).toBe('');
    expect(records[0]).toBe('timestamp,host,service,level,source,offset,message,id,fields');
    // No message holds a line break, so every record is one line.
    expect(records.length - 1).toBe(EVENTS);
    const ids = records.slice(1).map((r) => /,(ex-\d{6}),$/.exec(r)?.[1]);
    expect(new Set(ids).size).toBe(EVENTS);
    expect(ids.includes(undefined)).toBe(false);
    // The message cell as a spreadsheet reads it: the formula behind an apostrophe, so it stays text.
    const messages = records.slice(1, 1 + FORMULAS.length).map((r) => splitCsv(r)![6]);
    expect(messages).toEqual(FORMULAS.map((f) => `'${f}`));
    process.stdout.write(
      `export ${store} csv: ${ids.length} events, ${(result.bytes / 1e6).toFixed(1)} MB, collector anonymous RSS ` +
        `peak ${result.smallPeakMb.toFixed(0)} MB for a tenth of it, ${result.peakMb.toFixed(0)} MB for all\n`,
    );
    expect(result.peakMb - result.smallPeakMb).toBeLessThan(MAX_GROWTH_MB);
  });

  it('holds the default limit unless the caller raises it, up to the configured maximum', async () => {
    const get = (query: string) =>
      fetch(`${pipeline.url}/api/v1/export?from=${FROM}&to=${TO}&${query}`, {
        headers: { authorization: `Bearer ${pipeline.tokens.read}` },
      });
    const capped = await get('q=host:web-1');
    expect(capped.headers.get('x-logship-limit')).toBe('1000');
    expect(capped.headers.get('x-logship-total')).toBe(String(EVENTS / 2));
    expect((await capped.text()).split('\n').filter(Boolean)).toHaveLength(1000);
    const raised = await get('q=host:web-1&limit=15000');
    expect((await raised.text()).split('\n').filter(Boolean)).toHaveLength(15_000);
    const tooMany = await get('limit=5000001');
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { error: { code: string } }).error.code).toBe('BAD_PARAMETER');
    const badQuery = await get('q=(unclosed');
    expect(badQuery.status).toBe(400);
    expect(((await badQuery.json()) as { error: { code: string } }).error.code).toBe('QUERY_SYNTAX');
    const noToken = await fetch(`${pipeline.url}/api/v1/export`);
    expect(noToken.status).toBe(401);
  });

  it('is what logship search --all prints, in every output format', async () => {
    const env = { LOGSHIP_COLLECTOR_URL: pipeline.url, LOGSHIP_TOKEN: pipeline.tokens.read };
    // The first 2,000 events: 1,000 of web-1.
    const to = new Date(BASE_MS + 1999).toISOString();
    const args = ['search', 'host:web-1', '--from', FROM, '--to', to, '--all'];
    const ndjson = await runLogship([...args, '--output', 'ndjson'], env);
    expect([ndjson.code, ndjson.stderr]).toEqual([0, '']);
    const ids = ndjson.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { id: string; host: string }).id);
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    const csv = await runLogship([...args, '--output', 'csv'], env);
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\r\n').filter(Boolean)).toHaveLength(1001);
    const text = await runLogship([...args], env);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n').filter(Boolean)).toHaveLength(1000);
    expect(text.stdout.split('\n')[0]).toBe(`${new Date(BASE_MS + 1).toISOString()} web-1 -     ${FORMULAS[1]}`);
    // Without --all, --output formats the newest --limit events the same way.
    const page = await runLogship(
      ['search', 'host:web-1', '--from', FROM, '--to', TO, '--output', 'csv', '--limit', '3'],
      env,
    );
    expect(page.stdout.split('\r\n').filter(Boolean)).toHaveLength(4);
    expect((await runLogship([...args, '--output', 'xml'], env)).code).toBe(2);
  });
});
