import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLogship, stopProcess, waitFor } from '../../support/processes.js';

const CLI = join(import.meta.dirname, '..', '..', '..', 'bin', 'logship.js');

/** Holds a port on 127.0.0.1 the way another program would. */
async function holdPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('no port');
  return { server, port: address.port };
}

/** `logship standalone` on `dataDir` listening on an ephemeral port; resolves with its URL once /readyz answers 200. */
async function startStandalone(dataDir: string): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOGSHIP_DATA_DIR: dataDir, LOGSHIP_LISTEN: '127.0.0.1:0' };
  delete env.LOGSHIP_ES_URL;
  const child = spawn(process.execPath, [CLI, 'standalone'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await waitFor(
    'the standalone to print its URL',
    async () => {
      if (child.exitCode !== null) throw new Error(`standalone exited with ${child.exitCode}:\n${out}`);
      return /logship is running: (\S+)/.exec(out)?.[1];
    },
    30_000,
  );
  await waitFor('/readyz', async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), 30_000);
  return { child, url, output: () => out };
}

/** Environment for a child without the suite's Elasticsearch, so it uses the embedded store in `dataDir`. */
function embedded(dataDir: string, listen: string): Record<string, string | undefined> {
  return { LOGSHIP_DATA_DIR: dataDir, LOGSHIP_LISTEN: listen, LOGSHIP_ES_URL: undefined };
}

describe('listen errors and the data directory lock', () => {
  let dir: string;
  let held: { server: Server; port: number };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'logship-listen-'));
    held = await holdPort();
  });
  afterAll(async () => {
    await new Promise((resolve) => held.server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('logship collector exits 1 naming the address when the port is in use', async () => {
    const run = await runLogship(['collector'], embedded(join(dir, 'c1'), `127.0.0.1:${held.port}`), [], 30_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`COLLECTOR_LISTEN_IN_USE: 127.0.0.1:${held.port} is in use`);
    expect(run.stderr).not.toContain('The collector listens');
  });

  it('logship standalone exits 1 naming the address, with no shipper left running', async () => {
    // A shipper left running would hold the process open: it is killed after 30 s and its output shows it ran.
    const started = Date.now();
    const run = await runLogship(['standalone'], embedded(join(dir, 's1'), `127.0.0.1:${held.port}`), [], 30_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`COLLECTOR_LISTEN_IN_USE: 127.0.0.1:${held.port} is in use`);
    expect(run.stdout).not.toContain('logship is running');
    expect(Date.now() - started).toBeLessThan(29_000);
    // The failed start released its lock on the data directory.
    expect(existsSync(join(dir, 's1', 'logship.pid'))).toBe(false);
  });

  it('logship shipper exits 1 naming the metrics address when that port is in use', async () => {
    const file = join(dir, 'shipper.yml');
    writeFileSync(
      file,
      [
        'collectors: [http://127.0.0.1:9]',
        'token: t',
        `data_dir: ${join(dir, 'shipper-data')}`,
        `inputs: [{ paths: ["${join(dir, 'none', '*.log')}"] }]`,
        `metrics: { listen: "127.0.0.1:${held.port}" }`,
        '',
      ].join('\n'),
    );
    const run = await runLogship(
      ['shipper', '--config', file],
      {
        LOGSHIP_TOKEN: undefined,
        LOGSHIP_COLLECTOR_URL: undefined,
        LOGSHIP_DATA_DIR: undefined,
      },
      [],
      30_000,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`SHIPPER_LISTEN_IN_USE: 127.0.0.1:${held.port} is in use`);
  });

  it('a second standalone on the same data directory says which pid runs there, and exits 1', async () => {
    const dataDir = join(dir, 'shared');
    const first = await startStandalone(dataDir);
    try {
      expect(readFileSync(join(dataDir, 'logship.pid'), 'utf8')).toBe(`${first.child.pid}\n`);
      const second = await runLogship(['standalone'], embedded(dataDir, '127.0.0.1:0'), [], 30_000);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(
        `DATA_DIR_IN_USE: Another logship (pid ${first.child.pid}) is running on the data directory ${dataDir}`,
      );
      // The first one is untouched and still answers.
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
      // Its shipper was accepted at once (its token existed before the collector started): logship's own log is
      // searchable within seconds, not after a refused first batch and a 30 s back-off.
      const token = /LOGSHIP_TOKEN=(\S+)/.exec(first.output())![1]!;
      const found = await waitFor(
        "the standalone's own log in a search",
        async () => {
          const res = await fetch(`${first.url}/api/v1/search?q=${encodeURIComponent('"The collector listens"')}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          const body = (await res.json()) as { hits: unknown[] };
          return body.hits.length > 0 ? body.hits.length : undefined;
        },
        15_000,
      );
      expect(found).toBe(1);
      expect(first.output()).not.toContain('AUTH_INVALID');
    } finally {
      expect(await stopProcess(first.child, 'SIGINT')).toBe(0);
    }
    expect(existsSync(join(dataDir, 'logship.pid'))).toBe(false);
  });

  it('takes over a lock file left by a process that is gone', async () => {
    const dataDir = join(dir, 'stale');
    const gone = spawn(process.execPath, ['-e', '']);
    const deadPid = gone.pid!;
    await new Promise((resolve) => gone.once('exit', resolve));
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'logship.pid'), `${deadPid}\n`);
    const run = await startStandalone(dataDir);
    try {
      expect(readFileSync(join(dataDir, 'logship.pid'), 'utf8')).toBe(`${run.child.pid}\n`);
    } finally {
      expect(await stopProcess(run.child, 'SIGINT')).toBe(0);
    }
  });
});
