/**
 * A real single-node Elasticsearch for development and tests (see docs/testing.md): the minimal distribution from Maven
 * Central, fetched once into a cache, run on a JDK >= 21 under an unprivileged user when we are root (Elasticsearch
 * refuses to run as root), with its data, logs and pid file in one data folder that the user owns.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { CodedError } from '../protocol/coded-error.js';

/** The Elasticsearch version we run; not every 9.x is published as an integ-test-zip (9.3.2 and 9.2.8 are). */
export const ES_VERSION = '9.3.2';
const ARTIFACT = `org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip`;
const APPROX_ZIP_MB = 115;
const MIN_JAVA = 21;
/** The unprivileged user Elasticsearch runs as when we are root. */
export const ES_USER = 'logship-es';
const JVM_DIR = '/usr/lib/jvm';
/** Where a root-owned ES home lives: /root is mode 700, so a home under ~/.cache would be unreadable to ES_USER. */
const ROOT_INSTALL_DIR = '/var/lib/logship-es';

export type EsLocalCode =
  | 'ES_NO_JDK'
  | 'ES_DOWNLOAD_FAILED'
  | 'ES_UNZIP_FAILED'
  | 'ES_USER_FAILED'
  | 'ES_DIR_NOT_ACCESSIBLE'
  | 'ES_START_FAILED'
  | 'ES_START_TIMEOUT'
  | 'ES_STOP_FAILED';

/** Every failure to fetch, start or stop the local Elasticsearch, with a stable code. */
export class EsLocalError extends CodedError {
  constructor(code: EsLocalCode, message: string) {
    super(code, message);
  }
}

/** The parts of `GET /_cluster/health` we read. */
export interface ClusterHealth {
  status: 'green' | 'yellow' | 'red';
  number_of_nodes: number;
}

export interface StartOptions {
  port: number;
  dataDir: string;
  /** Fixed heap (`-Xms` = `-Xmx`), e.g. `768m`; default 512m initial, 1g max. */
  heap?: string;
  /** How long to wait for the cluster to turn yellow; default 120 s. */
  timeoutMs?: number;
  /** Empty `dataDir` before starting a new server (never when reusing a running one): a clean slate for tests. */
  fresh?: boolean;
}

export interface RunningElasticsearch {
  url: string;
  /** The server's pid (from its pid file); 0 when we reused a server that is not ours to know. */
  pid: number;
  /** True when something already answered on the port and we started nothing. */
  reused: boolean;
  stop(): Promise<void>;
}

const isRoot = (): boolean => process.getuid?.() === 0;
const say = (line: string): void => void process.stderr.write(`${line}\n`);

/** The download cache: $LOGSHIP_CACHE_DIR or ~/.cache/logship. */
export function cacheDir(): string {
  return resolve(process.env.LOGSHIP_CACHE_DIR || join(homedir(), '.cache', 'logship'));
}

/** The Java feature version of a JDK folder from its `release` file (`17.0.15` → 17, `1.8.0_402` → 8). */
export function javaVersion(home: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(home, 'release'), 'utf8');
    accessSync(join(home, 'bin', 'java'), constants.X_OK);
  } catch {
    return undefined;
  }
  const m = /^JAVA_VERSION="?(\d+)(?:\.(\d+))?/m.exec(text);
  if (!m) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] ? Number(m[2]) : first;
}

/** The JDK to run Elasticsearch on: ES_JAVA_HOME if set (must be >= 21), else the newest >= 21 on this machine. */
export function findJavaHome(): string {
  const explicit = process.env.ES_JAVA_HOME;
  if (explicit) {
    const version = javaVersion(explicit);
    if (version === undefined)
      throw new EsLocalError('ES_NO_JDK', `ES_JAVA_HOME=${explicit} is not a JDK (no release file or no bin/java).`);
    if (version < MIN_JAVA)
      throw new EsLocalError(
        'ES_NO_JDK',
        `ES_JAVA_HOME=${explicit} is Java ${version}; Elasticsearch ${ES_VERSION} needs Java >= ${MIN_JAVA}.`,
      );
    return explicit;
  }
  const candidates = new Map<string, number | undefined>();
  const consider = (path: string): void => {
    try {
      const real = realpathSync(path);
      if (!candidates.has(real)) candidates.set(real, javaVersion(real));
    } catch {
      // A dangling symlink in /usr/lib/jvm is not a JDK.
    }
  };
  if (process.env.JAVA_HOME) consider(process.env.JAVA_HOME);
  try {
    for (const name of readdirSync(JVM_DIR)) consider(join(JVM_DIR, name));
  } catch {
    // No /usr/lib/jvm: only JAVA_HOME counts.
  }
  let best: { home: string; version: number } | undefined;
  for (const [home, version] of candidates) {
    if (version !== undefined && version >= MIN_JAVA && (!best || version > best.version)) best = { home, version };
  }
  if (best) return best.home;
  const seen = [...candidates].filter(([, v]) => v !== undefined).map(([h, v]) => `${h} (Java ${v})`);
  throw new EsLocalError(
    'ES_NO_JDK',
    `No JDK >= ${MIN_JAVA} found for Elasticsearch (looked at JAVA_HOME and ${JVM_DIR}` +
      `${seen.length ? `; found ${seen.join(', ')}` : ''}). Install one (e.g. Temurin 21 or newer) or set ES_JAVA_HOME to its folder.`,
  );
}

/** Downloads (once) and unpacks (once) the Elasticsearch distribution; returns its home folder. */
export async function ensureDistribution(): Promise<string> {
  const zip = await ensureZip();
  return ensureUnzipped(zip);
}

async function ensureZip(): Promise<string> {
  const dir = cacheDir();
  const zip = join(dir, `elasticsearch-${ES_VERSION}.zip`);
  if (await isNonEmptyFile(zip)) return zip;
  await mkdir(dir, { recursive: true });
  await removeStale(dir, '.download-');
  // Maven writes into a private folder that is renamed into place, so a killed download is never taken for a zip.
  const tmp = await mkdtemp(join(dir, '.download-'));
  const started = Date.now();
  say(`Downloading Elasticsearch ${ES_VERSION} (about ${APPROX_ZIP_MB} MB) with Maven into ${dir}; this happens once.`);
  const ticker = setInterval(() => say(`  still downloading… ${Math.round((Date.now() - started) / 1000)} s`), 15_000);
  try {
    const args = ['-q', '-B', 'dependency:copy', `-Dartifact=${ARTIFACT}`, `-DoutputDirectory=${tmp}`];
    const result = await run('mvn', args, tmp);
    if (result.error)
      throw new EsLocalError(
        'ES_DOWNLOAD_FAILED',
        `Cannot run Maven (${result.error.message}); install it (apt-get install maven) or put ${zip} there by hand.`,
      );
    const fetched = join(tmp, `elasticsearch-${ES_VERSION}.zip`);
    if (result.code !== 0 || !(await isNonEmptyFile(fetched)))
      throw new EsLocalError(
        'ES_DOWNLOAD_FAILED',
        `mvn dependency:copy -Dartifact=${ARTIFACT} failed (exit ${result.code}):\n${result.output.trim()}`,
      );
    await rename(fetched, zip);
  } finally {
    clearInterval(ticker);
    await rm(tmp, { recursive: true, force: true });
  }
  const mb = ((await stat(zip)).size / 1e6).toFixed(0);
  say(`Downloaded ${zip} (${mb} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return zip;
}

async function ensureUnzipped(zip: string): Promise<string> {
  const root = isRoot() ? ROOT_INSTALL_DIR : cacheDir();
  const home = join(root, `elasticsearch-${ES_VERSION}`);
  // The home appears only by rename after a complete unzip (and chown), so its presence means it is whole.
  if (await isDir(home)) return home;
  await mkdir(root, { recursive: true, mode: 0o755 });
  await removeStale(root, '.unzip-');
  const tmp = await mkdtemp(join(root, '.unzip-'));
  const started = Date.now();
  try {
    const result = await run('unzip', ['-q', zip, '-d', tmp], tmp);
    if (result.error)
      throw new EsLocalError('ES_UNZIP_FAILED', `Cannot run unzip (${result.error.message}); apt-get install unzip.`);
    const unpacked = join(tmp, `elasticsearch-${ES_VERSION}`);
    if (result.code !== 0 || !(await isDir(join(unpacked, 'bin'))))
      throw new EsLocalError(
        'ES_UNZIP_FAILED',
        `unzip ${zip} failed (exit ${result.code}); delete it to download again:\n${result.output.trim()}`,
      );
    // ES writes its keystore into config/ on first start, so the user it runs as must own the home.
    if (isRoot()) {
      const user = ensureEsUser();
      const chowned = await run('chown', ['-R', `${user.uid}:${user.gid}`, unpacked], tmp);
      if (chowned.code !== 0)
        throw new EsLocalError('ES_UNZIP_FAILED', `chown -R ${ES_USER} ${unpacked} failed: ${chowned.output.trim()}`);
    }
    try {
      await rename(unpacked, home);
    } catch (err) {
      // Another process finished the same unzip first: its copy is as good as ours.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw err;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  say(`Unpacked Elasticsearch ${ES_VERSION} into ${home} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return home;
}

interface EsUser {
  uid: number;
  gid: number;
}

let esUser: EsUser | undefined;

/** The uid/gid of ES_USER, creating the system user the first time (root only). */
export function ensureEsUser(): EsUser {
  if (esUser) return esUser;
  let found = lookupUser(ES_USER);
  if (!found) {
    const made = spawnSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', ES_USER],
      { encoding: 'utf8' },
    );
    // A concurrent start may have created it between our lookup and useradd; look again before failing.
    found = lookupUser(ES_USER);
    if (!found)
      throw new EsLocalError(
        'ES_USER_FAILED',
        `Cannot create the user ${ES_USER} that Elasticsearch runs as (Elasticsearch refuses root): ` +
          `${made.error?.message ?? made.stderr.trim()}`,
      );
  }
  esUser = found;
  return found;
}

function lookupUser(name: string): EsUser | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** `GET /_cluster/health` (optionally waiting briefly for yellow); undefined when nothing healthy answers. */
export async function clusterHealth(url: string, waitForYellow = false): Promise<ClusterHealth | undefined> {
  const query = waitForYellow ? '?wait_for_status=yellow&timeout=2s' : '';
  try {
    const res = await request(`${url}/_cluster/health${query}`, { headersTimeout: 5_000, bodyTimeout: 5_000 });
    const text = await res.body.text();
    if (res.statusCode !== 200) return undefined;
    const body = JSON.parse(text) as Partial<ClusterHealth>;
    if (body.status !== 'green' && body.status !== 'yellow') return undefined;
    return { status: body.status, number_of_nodes: Number(body.number_of_nodes) };
  } catch {
    return undefined;
  }
}

/** The files of one instance inside its data folder. */
function layout(dataDir: string) {
  return {
    data: join(dataDir, 'data'),
    logs: join(dataDir, 'logs'),
    tmp: join(dataDir, 'tmp'),
    pidFile: join(dataDir, 'es.pid'),
    console: join(dataDir, 'console.log'),
  };
}

/**
 * Starts a single-node Elasticsearch on 127.0.0.1:`port` with its state in `dataDir` and waits until the cluster is
 * yellow; reuses whatever already answers there, so calling it twice is harmless.
 */
export async function startElasticsearch(opts: StartOptions): Promise<RunningElasticsearch> {
  const url = `http://127.0.0.1:${opts.port}`;
  const dataDir = resolve(opts.dataDir);
  const files = layout(dataDir);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const handle = (pid: number, reused: boolean): RunningElasticsearch => ({
    url,
    pid,
    reused,
    stop: () => stopElasticsearch(dataDir),
  });
  if (await clusterHealth(url)) return handle(livePid(files.pidFile) ?? 0, true);
  // A server from an earlier start on this folder may still be booting (e.g. `es:start` interrupted by Ctrl-C):
  // starting a second one would only fail on the data folder's lock, so wait for the first instead.
  const booting = livePid(files.pidFile);
  if (booting !== undefined) {
    await waitReady(url, timeoutMs, files.console, () => (isAlive(booting) ? undefined : 'it exited'));
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

  const esArgs = [
    join(home, 'bin', 'elasticsearch'),
    ...['-E', 'discovery.type=single-node', '-E', 'xpack.security.enabled=false'],
    ...['-E', 'network.host=127.0.0.1', '-E', `http.port=${opts.port}`],
    ...['-E', `path.data=${files.data}`, '-E', `path.logs=${files.logs}`],
    // CI disks are often fuller than the 90% high watermark, which would leave new shards unassigned (red).
    ...['-E', 'cluster.routing.allocation.disk.threshold_enabled=false'],
    // Tests clean up with `DELETE t-*`, which the default refuses.
    ...['-E', 'action.destructive_requires_name=false'],
    ...['-p', files.pidFile],
  ];
  const [command, ...args] = user
    ? ['setpriv', '--reuid', String(user.uid), '--regid', String(user.gid), '--init-groups', ...esArgs]
    : esArgs;
  const heapOpts = opts.heap ? `-Xms${opts.heap} -Xmx${opts.heap}` : '-Xms512m -Xmx1g';
  const env = {
    ...process.env,
    ES_JAVA_HOME: javaHome,
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
    child = spawn(command!, args, { cwd: dataDir, env, detached: true, stdio: ['ignore', out, out] });
  } finally {
    closeSync(out);
  }
  let exit: string | undefined;
  child.on('error', (err) => (exit = `it could not be started: ${err.message}`));
  child.on('exit', (code, signal) => (exit = `it exited with ${signal ?? `code ${code}`}`));
  try {
    await waitReady(url, timeoutMs, files.console, () => exit);
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
  const { pidFile } = layout(resolve(dataDir));
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
  url: string,
  timeoutMs: number,
  consoleLog: string,
  exited: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const gone = exited();
    if (gone)
      throw new EsLocalError('ES_START_FAILED', `Elasticsearch on ${url} did not start: ${gone}.${tail(consoleLog)}`);
    if (await clusterHealth(url, true)) return;
    if (Date.now() >= deadline)
      throw new EsLocalError(
        'ES_START_TIMEOUT',
        `Elasticsearch on ${url} was not yellow within ${Math.round(timeoutMs / 1000)} s.${tail(consoleLog)}`,
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

/** The pid in `pidFile` if that process still runs and is Elasticsearch (pids get reused after a crash). */
function livePid(pidFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('org.elasticsearch') ? pid : undefined;
  } catch {
    return pid; // No /proc: trust the pid file.
  }
}

/** The Elasticsearch launcher JVM that started server `pid`, if it is still its parent (Linux /proc only). */
function launcherOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces: state, ppid, …
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const cmdline = readFileSync(`/proc/${ppid}/cmdline`, 'utf8');
    return cmdline.includes('org.elasticsearch.launcher') ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(200);
  }
  return true;
}

/** Ends a server we started that never became ready: the launcher and the server JVM share its process group. */
async function killGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return;
  // The whole group, not just the launcher: the server JVM may outlive it by seconds and keep the port and data lock.
  const group = -child.pid;
  signal(group, 'SIGTERM');
  if (!(await waitGone(group, 10_000))) {
    signal(group, 'SIGKILL');
    await waitGone(group, 5_000);
  }
}

/** Fails early, with the folder to fix, when ES_USER cannot reach `path` through its parents (e.g. under /root). */
function assertReachable(path: string, user: EsUser): void {
  const real = realpathSync(path);
  const chain: string[] = [];
  for (let dir = real; ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of chain) {
    const st = statSync(dir);
    const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0)
      throw new EsLocalError(
        'ES_DIR_NOT_ACCESSIBLE',
        `${path} is not reachable by the user ${ES_USER} that Elasticsearch runs as (it refuses root): ` +
          `${dir} is mode ${(st.mode & 0o777).toString(8)}. Use a folder outside it or allow access (chmod o+x ${dir}).`,
      );
  }
}

/** Whether something listens on 127.0.0.1:`port` (ES would only find out after ~10 s of booting). */
function portInUse(port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'EADDRINUSE'));
    probe.listen(port, '127.0.0.1', () => probe.close(() => done(false)));
  });
}

async function isNonEmptyFile(path: string): Promise<boolean> {
  try {
    const st = await stat(path);
    return st.isFile() && st.size > 0;
  } catch {
    return false;
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Removes leftovers of a killed download or unzip (older than 10 minutes, so a running one is left alone). */
async function removeStale(dir: string, prefix: string): Promise<void> {
  const cutoff = Date.now() - 10 * 60_000;
  for (const name of await readdir(dir)) {
    if (!name.startsWith(prefix)) continue;
    const path = join(dir, name);
    const st = await stat(path).catch(() => undefined);
    if (st && st.mtimeMs < cutoff) await rm(path, { recursive: true, force: true });
  }
}

interface RunResult {
  code: number | null;
  output: string;
  error?: Error;
}

/** Runs a tool to completion, keeping the end of its output for an error message. */
function run(command: string, args: string[], cwd: string): Promise<RunResult> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => void (output = (output + chunk.toString()).slice(-8000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => done({ code: null, output, error }));
    child.on('close', (code) => done({ code, output }));
  });
}
