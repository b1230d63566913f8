/**
 * The shipper against syslog-ng and rsyslog on the same 1,000,000 lines (~180 bytes each), each shipping to the same
 * counting HTTP sink: lines/s, CPU-µs per line, peak RSS, bytes on the wire, and the ratios to syslog-ng.
 *
 * Run (as root; it installs the Debian peers and leaves rsyslog + rsyslog-elasticsearch installed at the end):
 *   npm run build && flock /tmp/logship-peer.lock node dist/bench/shipper-vs-peers.js
 * The lock keeps other users of rsyslog (a test needs it installed) out while syslog-ng replaces it. The peers
 * run with their own config, pid and state files: the system's syslog daemon is never touched.
 * Results: bench/results/shipper-vs-peers.json.
 *
 * logship runs with gzip (its default) and with compression none (like the peers, which send uncompressed);
 * logship and syslog-ng each read the lines from one file and from the same lines spread over 100 files. Every
 * round runs each of them once, one after another, and the ratios are taken within the round (the machine is
 * shared: a busy neighbour slows one round, not one side); the report gives each round and the medians.
 * rsyslog runs once, for information.
 * Environment: BENCH_LINES, BENCH_ROUNDS (3), BENCH_SKIP_PEERS=1 (logship only), BENCH_COMPRESSION=gzip|none and
 * BENCH_FILES=1|100 (only those variants), BENCH_BASELINE=DIR (also runs the logship build in DIR, e.g. an older
 * commit's `bin/` + `dist/`, as "… (baseline)" in the same rounds: before/after under the same load),
 * BENCH_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`: the shipper then gets SIGTERM at the end instead of
 * SIGKILL, so it can write its profile).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { usage } from './measured-process.js';
import { aptInstall, peerConfig, RSYSLOG_PACKAGES, SYSLOG_NG_PACKAGES } from './peer-packages.js';
import { writeResults } from './results-file.js';

const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SKIP_PEERS = Boolean(process.env.BENCH_SKIP_PEERS);
const ROOT = join(import.meta.dirname, '..', '..');
const TIMEOUT_MS = 300_000;
/** Extra node flags for the logship process when profiling it (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
const SPREAD_FILES = 100;

interface Result {
  name: string;
  lines: number;
  seconds: number;
  lines_per_s: number;
  cpu_us_per_line: number;
  peak_rss_mb: number;
  /** Request body bytes per line as sent (compressed when the sender compresses; _bulk action lines included). */
  wire_bytes_per_line: number;
}

/** One way of shipping the input: a program, its files, and what it is compared with. */
interface Variant {
  name: string;
  files: 1 | typeof SPREAD_FILES;
  start: (run: string) => ChildProcess;
  /** The syslog-ng variant this one is compared with (same number of files). */
  peer?: string;
}

/** A file of `n` realistic access-log lines of about 180 bytes. */
function writeInput(path: string, n: number): Promise<void> {
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
  return new Promise((resolve, reject) => out.once('finish', resolve).once('error', reject));
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

interface Sink {
  port: number;
  count: () => number;
  wireBytes: () => number;
  reset: () => void;
  close: () => void;
}

/** The counting sink: answers like the collector (/api/v1/ingest) and like Elasticsearch (_bulk). */
function startSink(): Promise<Sink> {
  let count = 0;
  let wire = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      wire += body.length;
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
        wireBytes: () => wire,
        reset: () => {
          count = 0;
          wire = 0;
        },
        close: () => server.close(),
      }),
    ),
  );
}

/** Runs one shipper process until the sink has every line; measures it just before stopping it. */
async function measure(name: string, sink: Sink, start: () => ChildProcess): Promise<Result> {
  sink.reset();
  const started = process.hrtime.bigint();
  const child = start();
  let last = usage(child.pid!) ?? { cpuSeconds: 0, peakRssMb: 0, rssMb: 0 };
  const deadline = Date.now() + TIMEOUT_MS;
  try {
    while (sink.count() < LINES) {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} after ${sink.count()} lines`);
      if (Date.now() > deadline) throw new Error(`${name}: only ${sink.count()} of ${LINES} lines arrived`);
      last = usage(child.pid!) ?? last;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    // Gone already: keep the last sample.
    if (child.exitCode === null) last = usage(child.pid!) ?? last;
    // A profiled process must exit on its own to write its profile; SIGTERM makes logship flush and exit.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(NODE_ARGS.length > 0 && name.startsWith('logship') ? 'SIGTERM' : 'SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result = {
    name,
    lines: sink.count(),
    seconds: Number(seconds.toFixed(2)),
    lines_per_s: Math.round(LINES / seconds),
    cpu_us_per_line: Number(((last.cpuSeconds * 1e6) / LINES).toFixed(2)),
    peak_rss_mb: Number(last.peakRssMb.toFixed(1)),
    wire_bytes_per_line: Number((sink.wireBytes() / LINES).toFixed(1)),
  };
  console.log(JSON.stringify(result));
  return result;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round2 = (n: number): number => Number(n.toFixed(2));

/** The logship variants: gzip and none, 1 and 100 files, for this build and (BENCH_BASELINE) another one. */
function logshipVariants(sink: Sink, input: string, spread: string): Variant[] {
  const builds = [{ suffix: '', root: ROOT }];
  if (process.env.BENCH_BASELINE) builds.push({ suffix: ' (baseline)', root: process.env.BENCH_BASELINE });
  const variants: Variant[] = [];
  for (const build of builds) {
    for (const compression of ['gzip', 'none']) {
      for (const files of [1, SPREAD_FILES] as const) {
        if (process.env.BENCH_COMPRESSION && compression !== process.env.BENCH_COMPRESSION) continue;
        if (process.env.BENCH_FILES && String(files) !== process.env.BENCH_FILES) continue;
        const name = `logship${files === 1 ? '' : `, ${files} files`}${compression === 'gzip' ? '' : ' (compression none)'}${build.suffix}`;
        variants.push({
          name,
          files,
          peer: files === 1 ? 'syslog-ng' : `syslog-ng, ${files} files`,
          start: (run) => {
            const config = join(run, 'shipper.yml');
            writeFileSync(
              config,
              JSON.stringify({
                host: 'bench',
                collectors: [`http://127.0.0.1:${sink.port}`],
                token: 'bench',
                data_dir: join(run, 'data'),
                inputs: [{ paths: [files === 1 ? input : join(spread, '*.log')] }],
                heartbeat_interval: 0,
                compression,
              }),
            );
            return spawn(
              process.execPath,
              [...NODE_ARGS, join(build.root, 'bin', 'logship.js'), 'shipper', '--config', config],
              { stdio: ['ignore', 'ignore', NODE_ARGS.length > 0 ? 'inherit' : 'ignore'] },
            );
          },
        });
      }
    }
  }
  return variants;
}

/**
 * syslog-ng from one file and from the 100 files (wildcard-file, with the other options of the one-file source: the
 * same batching, workers, windows and flow control).
 */
function syslogNgVariants(sink: Sink, input: string, spread: string): Variant[] {
  const url = `http://127.0.0.1:${sink.port}/_bulk`;
  const run = (conf: string) => (dir: string) => {
    const file = join(dir, 'syslog-ng.conf');
    writeFileSync(file, conf);
    const state = ['-R', join(dir, 'persist'), '-p', join(dir, 'pid'), '-c', join(dir, 'ctl')];
    return spawn('syslog-ng', ['-F', '-f', file, ...state], { stdio: 'ignore' });
  };
  const oneFile = peerConfig('syslog-ng-elasticsearch-http.conf', { '@@INPUT@@': input, '@@URL@@': url });
  const fileSource = `file("${input}"`;
  if (!oneFile.includes(fileSource))
    throw new Error('The syslog-ng config has no file() source; update the benchmark.');
  // Without its persist-name, which would make the 100 files share one saved position (each file then restarts
  // the others from the beginning, and most lines never arrive).
  const manyFiles = oneFile
    .replace(fileSource, `wildcard-file(base-dir("${spread}") filename-pattern("*.log") max-files(${SPREAD_FILES})`)
    .replace(/ persist-name\("[^"]*"\)/, '');
  const variants: Variant[] = [
    { name: 'syslog-ng', files: 1, start: run(oneFile) },
    { name: `syslog-ng, ${SPREAD_FILES} files`, files: SPREAD_FILES, start: run(manyFiles) },
  ];
  return variants.filter((v) => !process.env.BENCH_FILES || String(v.files) === process.env.BENCH_FILES);
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'logship-bench-peers-'));
  const input = join(work, 'input.log');
  await writeInput(input, LINES);
  const spread = join(work, 'spread');
  mkdirSync(spread);
  splitInput(input, spread, SPREAD_FILES);
  const sink = await startSink();
  const rounds: { loadavg_1m: number[]; results: Result[] }[] = [];
  let rsyslog: Result | undefined;
  let runs = 0;
  const runDir = (): string => {
    const dir = join(work, `run-${runs++}`);
    mkdirSync(dir);
    return dir;
  };
  try {
    const variants = logshipVariants(sink, input, spread);
    try {
      // syslog-ng replaces rsyslog as a package; the lock taken by the caller keeps other users out.
      if (!SKIP_PEERS) {
        await aptInstall(SYSLOG_NG_PACKAGES);
        variants.push(...syslogNgVariants(sink, input, spread));
      }
      for (let r = 0; r < ROUNDS; r++) {
        const round = { loadavg_1m: [round2(loadavg()[0]!)], results: [] as Result[] };
        for (const v of variants) {
          const dir = runDir();
          round.results.push(await measure(v.name, sink, () => v.start(dir)));
          rmSync(dir, { recursive: true, force: true });
        }
        round.loadavg_1m.push(round2(loadavg()[0]!));
        console.log(`Round ${r + 1} of ${ROUNDS}: load average (1 min) ${round.loadavg_1m.join(' → ')}.`);
        rounds.push(round);
      }
    } finally {
      // Always leave rsyslog installed for the other engineer's test.
      if (!SKIP_PEERS) await aptInstall(RSYSLOG_PACKAGES);
    }
    if (!SKIP_PEERS) {
      const dir = runDir();
      const rsConf = join(dir, 'rsyslog.conf');
      writeFileSync(
        rsConf,
        peerConfig('rsyslog-omelasticsearch.conf', {
          '@@WORKDIR@@': dir,
          '@@INPUT@@': input,
          '@@HOST@@': '127.0.0.1',
          '@@PORT@@': String(sink.port),
        }),
      );
      rsyslog = await measure('rsyslog', sink, () =>
        spawn('rsyslogd', ['-n', '-f', rsConf, '-i', join(dir, 'pid')], { stdio: 'ignore' }),
      );
    }

    // Medians per variant over the rounds, and each logship variant's ratios to syslog-ng within each round.
    const names = rounds[0]?.results.map((r) => r.name) ?? [];
    const medians = names.map((name) => {
      const all = rounds.map((round) => round.results.find((r) => r.name === name)!);
      return {
        name,
        lines_per_s: Math.round(median(all.map((r) => r.lines_per_s))),
        cpu_us_per_line: round2(median(all.map((r) => r.cpu_us_per_line))),
        peak_rss_mb: Number(median(all.map((r) => r.peak_rss_mb)).toFixed(1)),
        max_peak_rss_mb: Math.max(...all.map((r) => r.peak_rss_mb)),
        wire_bytes_per_line: Number(median(all.map((r) => r.wire_bytes_per_line)).toFixed(1)),
      };
    });
    const ratios: Record<string, { vs: string; throughput: number[]; cpu_per_line: number[] }> = {};
    for (const name of names.filter((n) => n.startsWith('logship'))) {
      const peer = variants.find((v) => v.name === name)?.peer;
      if (peer === undefined || !names.includes(peer)) continue;
      const per = rounds.map((round) => {
        const mine = round.results.find((r) => r.name === name)!;
        const theirs = round.results.find((r) => r.name === peer)!;
        return [mine.lines_per_s / theirs.lines_per_s, mine.cpu_us_per_line / theirs.cpu_us_per_line] as const;
      });
      ratios[name] = { vs: peer, throughput: per.map((p) => round2(p[0])), cpu_per_line: per.map((p) => round2(p[1])) };
    }
    const medianRatios = Object.fromEntries(
      Object.entries(ratios).map(([name, r]) => [
        name,
        {
          vs: r.vs,
          throughput_vs_syslog_ng: round2(median(r.throughput)),
          cpu_per_line_vs_syslog_ng: round2(median(r.cpu_per_line)),
        },
      ]),
    );
    const report = {
      lines: LINES,
      line_bytes: 180,
      rounds: ROUNDS,
      measured_at: new Date().toISOString(),
      machine: { cpus: cpus().length, loadavg_1m: rounds.map((r) => r.loadavg_1m) },
      medians,
      ratios: medianRatios,
      ratios_per_round: ratios,
      rounds_results: rounds.map((r) => r.results),
      ...(rsyslog ? { rsyslog } : {}),
    };
    console.log(JSON.stringify(report, null, 2));
    // A partial run (no peers, only some variants, another build beside this one) is printed, not kept.
    const partial =
      SKIP_PEERS || process.env.BENCH_BASELINE || process.env.BENCH_FILES || process.env.BENCH_COMPRESSION;
    if (!partial) writeResults('shipper-vs-peers', report);
  } finally {
    sink.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
