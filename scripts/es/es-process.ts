/**
 * One local Elasticsearch node as a process: started under an unprivileged user when we are root (Elasticsearch
 * refuses root), with its data, logs, pid file and (when it needs its own) config folder inside one data folder
 * that the user owns; readiness is cluster health, since the minimal distribution has no `GET /`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { chown, cp, mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { clusterHealth, type EsEndpoint } from './cluster-health.js';
import { ensureDistribution } from './es-distribution.js';
import { EsLocalError } from './es-local-error.js';
import { isAlive, killGroup, launcherOf, livePid, signal, waitGone } from './es-pids.js';
import { asEsUser, assertReachable, ensureEsUser, isRoot } from './es-user.js';
import { findJavaHome } from './java-home.js';
import { runTool } from './run-tool.js';

/** What a configure hook gets: where the distribution is, the instance's own config folder, how to run its tools. */
export interface NodeSetup {
  home: string;
  configDir: string;
  /** Runs one of the distribution's `bin/` tools as the user Elasticsearch runs as, with this instance's config. */
  tool(name: string, args: readonly string[], input?: string): Promise<string>;
}

export interface StartOptions {
  port: number;
  dataDir: string;
  /** Fixed heap (`-Xms` = `-Xmx`), e.g. `768m`; default 512m initial, 1g max. */
  heap?: string;
  /** How long to wait for the cluster to turn yellow (or `waitFor`); default 120 s. */
  timeoutMs?: number;
  /** Empty `dataDir` before starting a new server (never when reusing a running one): a clean slate for tests. */
  fresh?: boolean;
  /** elasticsearch.yml settings over the single-node, security-off defaults; null removes a default. */
  settings?: Record<string, string | null>;
  /**
   * Given, the node gets a config folder of its own (`<dataDir>/config`, ES_PATH_CONF, copied from the
   * distribution), and this runs on it before the first start: certificates, the keystore, file-realm users.
   */
  configure?: (setup: NodeSetup) => Promise<void>;
  /**
   * How readiness is probed; default plain HTTP on `port` without credentials. A function is asked again after
   * `configure`, which may have made the CA it names.
   */
  endpoint?: EsEndpoint | (() => EsEndpoint);
  /** The cluster status to wait for; default yellow. */
  waitFor?: 'yellow' | 'green';
}

export interface RunningElasticsearch {
  url: string;
  /** The server's pid (from its pid file); 0 when we reused a server that is not ours to know. */
  pid: number;
  /** True when something already answered on the port and we started nothing. */
  reused: boolean;
  stop(): Promise<void>;
}

/** The files of one instance inside its data folder. */
export function nodeLayout(dataDir: string) {
  return {
    data: join(dataDir, 'data'),
    logs: join(dataDir, 'logs'),
    tmp: join(dataDir, 'tmp'),
    config: join(dataDir, 'config'),
    pidFile: join(dataDir, 'es.pid'),
    console: join(dataDir, 'console.log'),
  };
}

/**
 * Starts an Elasticsearch node on 127.0.0.1:`port` with its state in `dataDir` and waits until the cluster is
 * yellow; reuses whatever already answers there, so calling it twice is harmless.
 */
export async function startElasticsearch(opts: StartOptions): Promise<RunningElasticsearch> {
  const probe = (): EsEndpoint =>
    typeof opts.endpoint === 'function' ? opts.endpoint() : (opts.endpoint ?? { url: `http://127.0.0.1:${opts.port}` });
  let endpoint = probe();
  const { url } = endpoint;
  const dataDir = resolve(opts.dataDir);
  const files = nodeLayout(dataDir);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const waitFor = opts.waitFor ?? 'yellow';
  const handle = (pid: number, reused: boolean): RunningElasticsearch => ({
    url,
    pid,
    reused,
    stop: () => stopElasticsearch(dataDir),
  });
  if (await clusterHealth(endpoint)) return handle(livePid(files.pidFile) ?? 0, true);
  // A server from an earlier start on this folder may still be booting (e.g. `es:start` interrupted by Ctrl-C):
  // starting a second one would only fail on the data folder's lock, so wait for the first instead.
  const booting = livePid(files.pidFile);
  if (booting !== undefined) {
    await waitReady(endpoint, waitFor, timeoutMs, files.console, () => (isAlive(booting) ? undefined : 'it exited'));
    return handle(booting, true);
  }
  if (opts.heap !== undefined && !/^\d+[kmg]$/i.test(opts.heap))
    throw new EsLocalError('ES_START_FAILED', `heap "${opts.heap}" is not a JVM size such as 512m or 2g.`);

  if (await portInUse(opts.port))
    throw new EsLocalError(
      'ES_START_FAILED',
      `Port ${opts.port} on 127.0.0.1 is in use by something that is not a healthy Elasticsearch; stop it or pick another port.`,
    );

  const javaHome = findJavaHome();
  const home = await ensureDistribution();
  if (opts.fresh) await rm(dataDir, { recursive: true, force: true });
  for (const dir of [dataDir, files.data, files.logs, files.tmp]) await mkdir(dir, { recursive: true });
  await rm(files.pidFile, { force: true });
  const user = isRoot() ? ensureEsUser() : undefined;
  if (user) {
    for (const path of [dataDir, javaHome, home]) assertReachable(path, user);
    for (const dir of [dataDir, files.data, files.logs, files.tmp]) await chown(dir, user.uid, user.gid);
  }
  const toolEnv = { ...process.env, ES_JAVA_HOME: javaHome, ...(opts.configure && { ES_PATH_CONF: files.config }) };
  if (opts.configure) {
    await rm(files.config, { recursive: true, force: true });
    // The distribution's keystore belongs to whichever node started from the shared config first.
    await cp(join(home, 'config'), files.config, {
      recursive: true,
      filter: (src) => !src.endsWith('elasticsearch.keystore'),
    });
    if (user) await chownTree(files.config, user.uid, user.gid);
    await opts.configure({
      home,
      configDir: files.config,
      async tool(name, args, input) {
        const [command, all] = asEsUser(join(home, 'bin', name), args);
        const result = await runTool(command, all, {
          cwd: dataDir,
          env: toolEnv,
          ...(input !== undefined && { input }),
        });
        if (result.code !== 0)
          throw new EsLocalError(
            'ES_SETUP_FAILED',
            `${name} ${args[0] ?? ''} failed (exit ${result.code}): ${result.error?.message ?? result.output.trim()}`,
          );
        return result.output;
      },
    });
    endpoint = probe();
  }

  const settings = new Map<string, string | null>([
    ['discovery.type', 'single-node'],
    ['xpack.security.enabled', 'false'],
    ['network.host', '127.0.0.1'],
    ['http.port', String(opts.port)],
    ['path.data', files.data],
    ['path.logs', files.logs],
    // CI disks are often fuller than the 90% high watermark, which would leave new shards unassigned (red).
    ['cluster.routing.allocation.disk.threshold_enabled', 'false'],
    // Tests clean up with `DELETE t-*`, which the default refuses.
    ['action.destructive_requires_name', 'false'],
    ...Object.entries(opts.settings ?? {}),
  ]);
  const esArgs = [...settings].flatMap(([key, value]) => (value === null ? [] : ['-E', `${key}=${value}`]));
  const [command, args] = asEsUser(join(home, 'bin', 'elasticsearch'), [...esArgs, '-p', files.pidFile]);
  const heapOpts = opts.heap ? `-Xms${opts.heap} -Xmx${opts.heap}` : '-Xms512m -Xmx1g';
  const env = {
    ...toolEnv,
    // Ours first, so options the caller set in ES_JAVA_OPTS win.
    ES_JAVA_OPTS: [heapOpts, process.env.ES_JAVA_OPTS].filter(Boolean).join(' '),
    // Keeps ES's temp folder with its data instead of leaving /tmp/elasticsearch-* behind.
    ES_TMPDIR: files.tmp,
  };
  const out = openSync(files.console, 'w');
  if (user) await chown(files.console, user.uid, user.gid);
  let child: ChildProcess;
  try {
    // Own process group and no pipes to us: the server outlives this process (`es:start` returns once it is ready).
    child = spawn(command, args, { cwd: dataDir, env, detached: true, stdio: ['ignore', out, out] });
  } finally {
    closeSync(out);
  }
  let exit: string | undefined;
  child.on('error', (err) => (exit = `it could not be started: ${err.message}`));
  child.on('exit', (code, sig) => (exit = `it exited with ${sig ?? `code ${code}`}`));
  try {
    await waitReady(endpoint, waitFor, timeoutMs, files.console, () => exit);
  } catch (err) {
    await killGroup(child);
    // In case the launcher died but left the server JVM behind.
    await stopElasticsearch(dataDir).catch(() => undefined);
    throw err;
  }
  child.unref();
  return handle(livePid(files.pidFile) ?? child.pid ?? 0, false);
}

/** Stops the server whose pid file is in `dataDir`: SIGTERM, up to 30 s, then SIGKILL; nothing to do is fine. */
export async function stopElasticsearch(dataDir: string): Promise<void> {
  const { pidFile } = nodeLayout(resolve(dataDir));
  const pid = livePid(pidFile);
  if (pid !== undefined) {
    // SIGTERM to the launcher stops the server cleanly; sent to the server itself, the launcher logs the exit as an
    // unexpected ERROR. Either way we wait for the server, which holds the data folder's lock.
    const launcher = launcherOf(pid);
    signal(launcher ?? pid, 'SIGTERM');
    if (!(await waitGone(pid, 30_000))) {
      signal(pid, 'SIGKILL');
      if (launcher !== undefined) signal(launcher, 'SIGKILL');
      if (!(await waitGone(pid, 5_000)))
        throw new EsLocalError('ES_STOP_FAILED', `Elasticsearch (pid ${pid}) is still running after SIGKILL.`);
    }
  }
  // ES removes its pid file on a clean exit, not after SIGKILL; a stale one must not point at a reused pid.
  await rm(pidFile, { force: true });
}

async function waitReady(
  endpoint: EsEndpoint,
  waitFor: 'yellow' | 'green',
  timeoutMs: number,
  consoleLog: string,
  exited: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const gone = exited();
    if (gone)
      throw new EsLocalError(
        'ES_START_FAILED',
        `Elasticsearch on ${endpoint.url} did not start: ${gone}.${tail(consoleLog)}`,
      );
    if (await clusterHealth(endpoint, waitFor)) return;
    if (Date.now() >= deadline)
      throw new EsLocalError(
        'ES_START_TIMEOUT',
        `Elasticsearch on ${endpoint.url} was not ${waitFor} within ${Math.round(timeoutMs / 1000)} s.${tail(consoleLog)}`,
      );
    await sleep(500);
  }
}

/** The last lines of the server's console output without Java stack frames, for an error message. */
function tail(path: string, lines = 25): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return ` (no output in ${path})`;
  }
  // Frames drown the line that says what went wrong (e.g. "BindException: Address already in use").
  const kept = text.split('\n').filter((l) => l.trim() && !/^\s+(at |\.\.\. \d+ more)/.test(l));
  if (!kept.length) return ` (${path} is empty)`;
  return `\n--- last lines of ${path} ---\n${kept.slice(-lines).join('\n').slice(-6000)}`;
}

/** Whether something listens on 127.0.0.1:`port` (ES would only find out after ~10 s of booting). */
function portInUse(port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'EADDRINUSE'));
    probe.listen(port, '127.0.0.1', () => probe.close(() => done(false)));
  });
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  const result = await runTool('chown', ['-R', `${uid}:${gid}`, path], { cwd: '/' });
  if (result.code !== 0) throw new EsLocalError('ES_SETUP_FAILED', `chown -R ${path} failed: ${result.output.trim()}`);
}
