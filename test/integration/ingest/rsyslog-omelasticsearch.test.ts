import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { refresh, startTestCollector, type TestCollector } from '../../support/collector-harness.js';
import { stopProcess, waitFor } from '../../support/processes.js';

/**
 * A real client nobody here wrote: rsyslog tails two files (imfile) and ships them with omelasticsearch, once with
 * every default (one `POST /system/events` per line, the legacy `_type`) and once with only bulk mode switched on
 * (`POST /_bulk`, legacy `_type` in every action). .ci/run installs rsyslog and rsyslog-elasticsearch; this test
 * installs nothing and fails loudly without them. Run it under `flock /tmp/logship-peer.lock` when someone may
 * replace rsyslog with syslog-ng at the same time.
 */

function findRsyslogd(): string {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    if (dir && existsSync(join(dir, 'rsyslogd'))) return join(dir, 'rsyslogd');
  }
  throw new Error(
    'rsyslogd is not installed: install the Debian packages rsyslog and rsyslog-elasticsearch (.ci/run does).',
  );
}

function findModuleDir(): string {
  const candidates = ['/usr/lib/rsyslog', ...readdirSync('/usr/lib').map((d) => join('/usr/lib', d, 'rsyslog'))];
  const dir = candidates.find((d) => existsSync(join(d, 'omelasticsearch.so')));
  if (!dir)
    throw new Error('omelasticsearch.so is missing: install the Debian package rsyslog-elasticsearch (.ci/run does).');
  return dir;
}

interface StoredHit {
  message: string;
  host: string | null;
  level: string | null;
  timestamp: string;
  fields: Record<string, unknown>;
}

const A_LINES = 1500;
const B_LINES = 4000;

let collector: TestCollector;
let rsyslog: ChildProcess | undefined;
let workDir: string;

beforeAll(async () => {
  const rsyslogd = findRsyslogd();
  const moduleDir = findModuleDir();
  collector = await startTestCollector('rsyslog');
  workDir = mkdtempSync(join(tmpdir(), 'logship-rsyslog-'));
  const port = new URL(collector.url).port;
  const server = `server="127.0.0.1" serverport="${port}" uid="logship" pwd="${collector.tokens.ingest}"`;
  const conf = join(workDir, 'rsyslog.conf');
  writeFileSync(
    conf,
    [
      `global(workDirectory="${workDir}")`,
      `module(load="imfile")`,
      `module(load="omelasticsearch")`,
      `input(type="imfile" File="${workDir}/a.log" Tag="app-a" ruleset="defaults")`,
      `input(type="imfile" File="${workDir}/b.log" Tag="app-b" ruleset="bulk")`,
      `ruleset(name="defaults") { action(type="omelasticsearch" ${server}) }`,
      `ruleset(name="bulk") { action(type="omelasticsearch" ${server} bulkmode="on") }`,
    ].join('\n') + '\n',
  );
  rsyslog = spawn(rsyslogd, ['-n', '-f', conf, '-i', join(workDir, 'rsyslogd.pid'), '-M', moduleDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  rsyslog.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  rsyslog.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  rsyslog.once('exit', (code) => {
    if (code) process.stderr.write(`rsyslogd exited with ${code}: ${output}\n`);
  });
  await new Promise((r) => setTimeout(r, 500));
  if (rsyslog.exitCode !== null) throw new Error(`rsyslogd did not start (exit ${rsyslog.exitCode}): ${output}`);
});

afterAll(async () => {
  if (rsyslog) await stopProcess(rsyslog);
  await collector?.dispose();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

async function count(tag: string): Promise<number> {
  await refresh(collector);
  const url = new URL(`${collector.url}/api/v1/search`);
  for (const [k, v] of Object.entries({ q: `"${tag}"`, from: 'now-1h', to: 'now+1h', limit: '1' }))
    url.searchParams.set(k, v);
  const res = await fetch(url, { headers: { authorization: `Bearer ${collector.tokens.read}` } });
  return ((await res.json()) as { total: { value: number } }).total.value;
}

function writeLines(file: string, tag: string, n: number): void {
  const lines: string[] = [];
  for (let i = 0; i < n; i++)
    lines.push(`2026-11-26 10:00:00,${String(i % 1000).padStart(3, '0')} INFO ${tag} seq=${i} user=u${i % 97}`);
  // Appended in chunks, as an application writes, so imfile sees the file grow.
  for (let i = 0; i < lines.length; i += 500) appendFileSync(file, lines.slice(i, i + 500).join('\n') + '\n');
}

describe('rsyslog omelasticsearch into the _bulk door', () => {
  it('delivers every line exactly once with default settings and with bulk mode, fields mapped', async () => {
    writeLines(join(workDir, 'a.log'), 'tagdefaults', A_LINES);
    writeLines(join(workDir, 'b.log'), 'tagbulk', B_LINES);
    await waitFor(
      'all lines searchable',
      async () => ((await count('tagdefaults')) >= A_LINES && (await count('tagbulk')) >= B_LINES ? true : undefined),
      90_000,
      500,
    );
    // A late duplicate would show up after the first complete count.
    await new Promise((r) => setTimeout(r, 1500));
    expect([await count('tagdefaults'), await count('tagbulk')]).toEqual([A_LINES, B_LINES]);

    const url = new URL(`${collector.url}/api/v1/search`);
    for (const [k, v] of Object.entries({ q: '"tagbulk seq=7 "', from: 'now-1h', to: 'now+1h' }))
      url.searchParams.set(k, v);
    const res = await fetch(url, { headers: { authorization: `Bearer ${collector.tokens.read}` } });
    const hit = ((await res.json()) as { hits: StoredHit[] }).hits[0]!;
    expect(hit.message).toBe('2026-11-26 10:00:00,007 INFO tagbulk seq=7 user=u7');
    expect(hit.host).toBe(hostname());
    expect(hit.level).toBe('info');
    expect(hit.fields).toMatchObject({ facility: 'local0' });
    expect(Math.abs(Date.parse(hit.timestamp) - Date.now())).toBeLessThan(5 * 60_000);
    expect(readFileSync(join(workDir, 'rsyslog.conf'), 'utf8')).not.toContain('esVersion');
    // Defaults mean one `POST /system/events` per line; bulk mode means `POST /_bulk`.
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    const requests = (route: RegExp) =>
      metrics
        .split('\n')
        .filter((l) => l.startsWith('logship_collector_request_duration_seconds_count{method="POST"') && route.test(l))
        .reduce((sum, l) => sum + Number(l.split(' ')[1]), 0);
    expect(requests(/status="201"/)).toBe(A_LINES);
    expect(requests(/route="\/_bulk",status="200"/)).toBeGreaterThan(0);
  });
});
