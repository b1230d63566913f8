/**
 * The shipper against syslog-ng and rsyslog on the same 1,000,000-line file (~180-byte lines), each shipping to
 * the same counting HTTP sink, in one run: lines/s, CPU-µs per line, peak RSS, and the ratios to syslog-ng.
 *
 * Run (as root; it installs the Debian peers and leaves rsyslog + rsyslog-elasticsearch installed at the end):
 *   npm run build && flock /tmp/logship-peer.lock node dist/bench/shipper-vs-peers.js
 * The lock keeps other users of rsyslog (a test needs it installed) out while syslog-ng replaces it. The peers
 * run with their own config, pid and state files: the system's syslog daemon is never touched.
 * Results: bench/results/shipper-vs-peers.json.
 * logship runs four times: gzip (its default) and compression none (like the peers), from one file and from the
 * same lines spread over 100 files. Environment: BENCH_LINES, BENCH_SKIP_PEERS=1 (logship only),
 * BENCH_COMPRESSION=gzip|none and BENCH_FILES=1|100 (only those variants), BENCH_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`:
 * the shipper then gets SIGTERM at the end instead of SIGKILL, so it can write its profile).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { usage } from './measured-process.js';
import { aptInstall, peerConfig, RSYSLOG_PACKAGES, SYSLOG_NG_PACKAGES } from './peer-packages.js';
import { writeResults } from './results-file.js';

const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const ROOT = join(import.meta.dirname, '..', '..');
const TIMEOUT_MS = 300_000;
/** Extra node flags for the logship process when profiling it (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');

interface Result {
  name: string;
  lines: number;
  seconds: number;
  lines_per_s: number;
  cpu_us_per_line: number;
  peak_rss_mb: number;
}

/** A file of `n` realistic access-log lines of about 180 bytes. */
function writeInput(path: string, n: number): void {
  const out = createWriteStream(path);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const ts = new Date(Date.UTC(2026, 10, 26, 10, 0, 0) + i).toISOString();
    parts.push(
      `${ts} web-${i % 7} nginx[${1000 + (i % 50)}]: 10.${i % 250}.${(i >> 8) % 250}.${i % 199} "GET /api/v1/orders/${i % 100_003}?page=${i % 17} HTTP/1.1" ${i % 23 === 0 ? 500 : 200} ${i % 9973} rt=0.${String(i % 997).padStart(3, '0')} ua="curl/8.5.0" ref="https://shop.example.com/cart" seq=${i}\n`,
    );
    if (parts.length === 10_000) out.write(parts.splice(0).join(''));
  }
  out.end(parts.join(''));
}

/** Spreads the lines of `input` round-robin over `files` files in `dir` (the many-files case, same total). */
function splitInput(input: string, dir: string, files: number): void {
  const lines = readFileSync(input, 'utf8').split('\n').slice(0, -1);
  for (let f = 0; f < files; f++) {
    const mine: string[] = [];
    for (let i = f; i < lines.length; i += files) mine.push(lines[i]!);
    writeFileSync(join(dir, `app-${String(f).padStart(3, '0')}.log`), mine.join('\n') + '\n');
  }
}

/** The counting sink: answers like the collector (/api/v1/ingest) and like Elasticsearch (_bulk). */
function startSink(): Promise<{ port: number; count: () => number; reset: () => void; close: () => void }> {
  let count = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      let lines = 0;
      for (let i = body.indexOf(10); i >= 0; i = body.indexOf(10, i + 1)) lines++;
      if (body.length > 0 && body[body.length - 1] !== 10) lines++;
      if (req.url?.endsWith('/_bulk')) {
        const n = lines >> 1; // action line + document line
        count += n;
        const items = new Array<string>(n).fill('{"create":{"status":201}}').join(',');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"took":1,"errors":false,"items":[${items}]}`);
      } else if (req.url === '/api/v1/ingest') {
        count += lines;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accepted: lines, duplicates: 0, rejected: 0, errors: [] }));
      } else {
        res.writeHead(req.url === '/' ? 200 : 404, { 'content-type': 'application/json' });
        res.end('{"version":{"number":"8.17.0"}}');
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        count: () => count,
        reset: () => (count = 0),
        close: () => server.close(),
      }),
    ),
  );
}

/** Runs one shipper process until the sink has every line; measures it just before stopping it. */
async function measure(
  name: string,
  sink: Awaited<ReturnType<typeof startSink>>,
  start: () => ChildProcess,
): Promise<Result> {
  sink.reset();
  const started = process.hrtime.bigint();
  const child = start();
  let last = usage(child.pid!) ?? { cpuSeconds: 0, peakRssMb: 0, rssMb: 0 };
  const deadline = Date.now() + TIMEOUT_MS;
  while (sink.count() < LINES) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} after ${sink.count()} lines`);
    if (Date.now() > deadline) throw new Error(`${name}: only ${sink.count()} of ${LINES} lines arrived`);
    last = usage(child.pid!) ?? last;
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // Gone already: keep the last sample.
  last = usage(child.pid!) ?? last;
  // A profiled process must exit on its own to write its profile; SIGTERM makes logship flush and exit.
  child.kill(NODE_ARGS.length > 0 && name.startsWith('logship') ? 'SIGTERM' : 'SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const result = {
    name,
    lines: sink.count(),
    seconds: Number(seconds.toFixed(2)),
    lines_per_s: Math.round(LINES / seconds),
    cpu_us_per_line: Number(((last.cpuSeconds * 1e6) / LINES).toFixed(2)),
    peak_rss_mb: Number(last.peakRssMb.toFixed(1)),
  };
  console.log(JSON.stringify(result));
  return result;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'logship-bench-peers-'));
  const input = join(work, 'input.log');
  writeInput(input, LINES);
  await new Promise((r) => setTimeout(r, 500));
  const sink = await startSink();
  const results: Result[] = [];
  try {
    // logship: the compiled CLI as users run it; with gzip (the default) and without (like the peers, which send
    // uncompressed), from one file and from the same lines spread over 100 files.
    const spread = join(work, 'spread');
    mkdirSync(spread);
    splitInput(input, spread, 100);
    const variants = [
      { name: 'logship', compression: 'gzip', paths: [input] },
      { name: 'logship (compression none)', compression: 'none', paths: [input] },
      { name: 'logship, 100 files', compression: 'gzip', paths: [join(spread, '*.log')] },
      { name: 'logship, 100 files (compression none)', compression: 'none', paths: [join(spread, '*.log')] },
    ].filter(
      (v) =>
        (!process.env.BENCH_COMPRESSION || v.compression === process.env.BENCH_COMPRESSION) &&
        (!process.env.BENCH_FILES || (v.paths[0] === input) === (process.env.BENCH_FILES === '1')),
    );
    for (const [i, variant] of variants.entries()) {
      const data = join(work, `logship-${i}`);
      mkdirSync(data);
      const config = join(work, `shipper-${i}.yml`);
      writeFileSync(
        config,
        JSON.stringify({
          host: 'bench',
          collectors: [`http://127.0.0.1:${sink.port}`],
          token: 'bench',
          data_dir: data,
          inputs: [{ paths: variant.paths }],
          heartbeat_interval: 0,
          compression: variant.compression,
        }),
      );
      results.push(
        await measure(variant.name, sink, () =>
          spawn(process.execPath, [...NODE_ARGS, join(ROOT, 'bin', 'logship.js'), 'shipper', '--config', config], {
            stdio: ['ignore', 'ignore', NODE_ARGS.length > 0 ? 'inherit' : 'ignore'],
          }),
        ),
      );
    }

    if (process.env.BENCH_SKIP_PEERS) {
      sink.close();
      return;
    }
    // syslog-ng (replaces rsyslog as a package; the lock taken by the caller keeps other users out).
    await aptInstall(SYSLOG_NG_PACKAGES);
    const ngDir = join(work, 'syslog-ng');
    mkdirSync(ngDir);
    const ngConf = join(ngDir, 'syslog-ng.conf');
    writeFileSync(
      ngConf,
      peerConfig('syslog-ng-elasticsearch-http.conf', {
        '@@INPUT@@': input,
        '@@URL@@': `http://127.0.0.1:${sink.port}/_bulk`,
      }),
    );
    results.push(
      await measure('syslog-ng', sink, () =>
        spawn(
          'syslog-ng',
          ['-F', '-f', ngConf, '-R', join(ngDir, 'persist'), '-p', join(ngDir, 'pid'), '-c', join(ngDir, 'ctl')],
          { stdio: 'ignore' },
        ),
      ),
    );
  } finally {
    // Always leave rsyslog installed for the other engineer's test.
    if (!process.env.BENCH_SKIP_PEERS) await aptInstall(RSYSLOG_PACKAGES);
  }
  if (process.env.BENCH_SKIP_PEERS) return;
  try {
    const rsDir = join(work, 'rsyslog');
    mkdirSync(rsDir);
    const rsConf = join(rsDir, 'rsyslog.conf');
    writeFileSync(
      rsConf,
      peerConfig('rsyslog-omelasticsearch.conf', {
        '@@WORKDIR@@': rsDir,
        '@@INPUT@@': input,
        '@@HOST@@': '127.0.0.1',
        '@@PORT@@': String(sink.port),
      }),
    );
    results.push(
      await measure('rsyslog', sink, () =>
        spawn('rsyslogd', ['-n', '-f', rsConf, '-i', join(rsDir, 'pid')], { stdio: 'ignore' }),
      ),
    );
  } finally {
    sink.close();
  }

  const ng = results.find((r) => r.name === 'syslog-ng');
  const ratios: Record<string, { throughput_vs_syslog_ng: number; cpu_per_line_vs_syslog_ng: number }> = {};
  for (const ls of results.filter((r) => r.name.startsWith('logship'))) {
    if (!ng) break;
    ratios[ls.name] = {
      throughput_vs_syslog_ng: Number((ls.lines_per_s / ng.lines_per_s).toFixed(2)),
      cpu_per_line_vs_syslog_ng: Number((ls.cpu_us_per_line / ng.cpu_us_per_line).toFixed(2)),
    };
  }
  const report = { lines: LINES, line_bytes: 180, measured_at: new Date().toISOString(), results, ratios };
  console.log(JSON.stringify(report, null, 2));
  writeResults('shipper-vs-peers', report);
  rmSync(work, { recursive: true, force: true });
}

await main();
