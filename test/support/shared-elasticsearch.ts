/**
 * The suite's own Elasticsearch clusters beside the plain one of global-setup: a secured single node (HTTPS from a CA
 * made by the distribution's certutil, the `elastic` password in the keystore, file-realm users with the roles the
 * docs give) and a plain 3-node cluster. Each is started once per run and shared: the first test that needs one
 * starts it (global-setup starts both early during `npm test`), later callers reuse it, and global-teardown stops
 * what this run started. Secrets reach Elasticsearch's tools on stdin and the collector through files, never on a
 * command line.
 */
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';
import { BACKUP_PRIVILEGES, collectorRole } from '../../collector/store/elasticsearch/es-privileges.js';
import { clusterHealth, type EsEndpoint } from '../../scripts/es/cluster-health.js';
import { isAlive, livePid } from '../../scripts/es/es-pids.js';
import { nodeLayout, startElasticsearch, stopElasticsearch, type NodeSetup } from '../../scripts/es/es-process.js';
import { ensureEsUser, isRoot } from '../../scripts/es/es-user.js';
import { runTool } from '../../scripts/es/run-tool.js';

/** Index names of the tests start with `t-`: the collector role of the docs, for that prefix. */
export const TEST_INDEX_PREFIX = 't';
/** The least-privileged collector user and the backup user, as the docs create them. */
export const COLLECTOR_USER = 'logship';
export const BACKUP_USER = 'logship_backup';

export interface SecuredEs {
  url: string;
  /** PEM file of the CA that signed the node's HTTP certificate. */
  caFile: string;
  /** A client certificate (CN=logship-collector) and its key, signed by the same CA. */
  clientCertFile: string;
  clientKeyFile: string;
  /** Files holding the passwords, as an operator hands them to the collector (`password_file`). */
  passwordFiles: { elastic: string; collector: string; backup: string };
  passwords: { elastic: string; collector: string; backup: string };
  /** The snapshot repository folder allowed by `path.repo`. */
  repoDir: string;
}

export interface EsCluster {
  /** The HTTP URL of each node. */
  urls: string[];
  /** Each node's data folder (its pid file is there). */
  nodeDirs: string[];
  /** Starts node `i` again (after a kill) on its data, and waits until it answers. */
  startNode(i: number): Promise<void>;
  repoDir: string;
}

const SECURED_PORT = 19210;
const SECURED_TRANSPORT = 19310;
const CLUSTER_PORTS = [19221, 19222, 19223];
const CLUSTER_TRANSPORTS = [19321, 19322, 19323];
/**
 * Beside the distribution when we are root: a folder the Elasticsearch user always reaches (a test that tightens
 * the temp folder to 0700 would otherwise lock the running nodes out of their own data).
 */
const BASE_DIR = isRoot() ? '/var/lib/logship-es/test-clusters' : tmpdir();
const SECURED_DIR = join(BASE_DIR, 'logship-test-es-secured');
const CLUSTER_DIR = join(BASE_DIR, 'logship-test-es-cluster');
/** Who started an instance: global-teardown stops only what its own run started. */
const OWNER_FILE = 'owner.pid';

/** The secured single node, started when first needed. */
export async function securedEs(): Promise<SecuredEs> {
  return withStartLock(SECURED_DIR, async () => {
    const known = readSecured();
    // A node of ours that runs (perhaps slow to answer under load) keeps its secrets: new ones would lock us out.
    if (known && livePid(nodeLayout(join(SECURED_DIR, 'node')).pidFile) !== undefined) {
      await waitFor(() => clusterHealth(securedEndpoint(known)), 240_000, `the secured Elasticsearch at ${known.url}`);
      await startTrial(known);
      await refreshRoles(known);
      return known;
    }
    const secured = newSecured();
    const started = Date.now();
    await startElasticsearch({
      port: SECURED_PORT,
      dataDir: join(SECURED_DIR, 'node'),
      heap: '512m',
      fresh: true,
      settings: {
        'transport.port': String(SECURED_TRANSPORT),
        'path.repo': secured.repoDir,
        'xpack.security.enabled': 'true',
        'xpack.security.http.ssl.enabled': 'true',
        'xpack.security.http.ssl.certificate': 'certs/http/http.crt',
        'xpack.security.http.ssl.key': 'certs/http/http.key',
        'xpack.security.http.ssl.certificate_authorities': 'certs/ca/ca.crt',
        // Asked for, not required: clients without one (the usual case) still connect, and a client certificate
        // signs the collector in through the PKI realm.
        'xpack.security.http.ssl.client_authentication': 'optional',
        'xpack.security.authc.realms.file.file1.order': '0',
        'xpack.security.authc.realms.pki.pki1.order': '1',
      },
      configure: (setup) => configureSecured(setup, secured),
      endpoint: () => securedEndpoint(secured),
      timeoutMs: 240_000,
    });
    // The PKI realm (a client certificate as the only credential) needs more than the basic licence.
    await startTrial(secured);
    writeFileSync(join(SECURED_DIR, OWNER_FILE), testRun());
    console.error(`Secured Elasticsearch for the tests at ${secured.url} (ready after ${seconds(started)} s).`);
    return secured;
  });
}

/** The 3-node plain cluster (384 MiB heap per node), started when first needed. */
export async function esCluster(): Promise<EsCluster> {
  const cluster = clusterHandle();
  return withStartLock(CLUSTER_DIR, async () => {
    if (ownerRunning(CLUSTER_DIR) && (await clusterHealth({ url: cluster.urls[0]! }))) return cluster;
    // Not ours to share: nothing runs, or a run that was interrupted left it behind. Such a cluster answers as healthy
    // but holds whatever its tests left (a node's data from before a kill, a restored index…), which failed a later
    // run's three-node test, and no teardown would ever stop it.
    await Promise.all(CLUSTER_PORTS.map((_, i) => stopElasticsearch(clusterNodeDir(i))));
    const started = Date.now();
    rmSync(CLUSTER_DIR, { recursive: true, force: true });
    mkdirSync(cluster.repoDir, { recursive: true });
    ownByEs(cluster.repoDir);
    await Promise.all(CLUSTER_PORTS.map((_, i) => startNode(i, true)));
    writeFileSync(join(CLUSTER_DIR, OWNER_FILE), testRun());
    console.error(
      `3-node Elasticsearch for the tests at ${cluster.urls.join(', ')} (ready after ${seconds(started)} s).`,
    );
    return cluster;
  });
}

/** Stops the instances this process started (global-teardown); others' are left running. */
export async function stopSharedElasticsearch(): Promise<void> {
  const ownDirs = [SECURED_DIR, CLUSTER_DIR].filter((dir) => {
    try {
      return Number(readFileSync(join(dir, OWNER_FILE), 'utf8')) === process.pid;
    } catch {
      return false;
    }
  });
  await Promise.all(
    ownDirs.flatMap((dir) =>
      dir === SECURED_DIR
        ? [stopElasticsearch(join(dir, 'node'))]
        : CLUSTER_PORTS.map((_, i) => stopElasticsearch(clusterNodeDir(i))),
    ),
  );
  for (const dir of ownDirs) rmSync(dir, { recursive: true, force: true });
}

/** Starts both early, without waiting (`npm test`): they boot while the first tests run. */
export function prestartSharedElasticsearch(): void {
  // A failure here is seen again, with its reason, by the first test that needs the instance.
  void securedEs().catch(() => undefined);
  void esCluster().catch(() => undefined);
}

/** Whether the run that started the instance in `dir` is still going (a run's teardown stops what it started). */
function ownerRunning(dir: string): boolean {
  try {
    const owner = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
    return Number.isInteger(owner) && owner > 0 && isAlive(owner);
  } catch {
    return false;
  }
}

/** The jest run (its main process, which runs the teardown), wherever the test that started a cluster ran. */
function testRun(): string {
  return process.env.LOGSHIP_TEST_RUN ?? String(process.pid);
}

function clusterNodeDir(i: number): string {
  return join(CLUSTER_DIR, `node-${i + 1}`);
}

function clusterHandle(): EsCluster {
  return {
    urls: CLUSTER_PORTS.map((port) => `http://127.0.0.1:${port}`),
    nodeDirs: CLUSTER_PORTS.map((_, i) => clusterNodeDir(i)),
    startNode: (i) => startNode(i, false),
    repoDir: join(CLUSTER_DIR, 'repo'),
  };
}

async function startNode(i: number, fresh: boolean): Promise<void> {
  const names = CLUSTER_PORTS.map((_, n) => `node-${n + 1}`);
  await startElasticsearch({
    port: CLUSTER_PORTS[i]!,
    dataDir: clusterNodeDir(i),
    heap: '384m',
    fresh,
    settings: {
      'discovery.type': null,
      'cluster.name': 'logship-test-cluster',
      'node.name': names[i]!,
      'transport.port': String(CLUSTER_TRANSPORTS[i]),
      'discovery.seed_hosts': CLUSTER_TRANSPORTS.map((port) => `127.0.0.1:${port}`).join(','),
      'cluster.initial_master_nodes': names.join(','),
      'path.repo': join(CLUSTER_DIR, 'repo'),
    },
    timeoutMs: 240_000,
  });
}

function securedEndpoint(secured: SecuredEs): EsEndpoint {
  return {
    url: secured.url,
    auth: { username: 'elastic', password: secured.passwords.elastic },
    ...(existsSync(secured.caFile) && { ca: readFileSync(secured.caFile, 'utf8') }),
  };
}

function readSecured(): SecuredEs | undefined {
  try {
    return JSON.parse(readFileSync(join(SECURED_DIR, 'instance.json'), 'utf8')) as SecuredEs;
  } catch {
    return undefined;
  }
}

/** New passwords and the files of a new secured instance (its earlier data is wiped by the fresh start). */
function newSecured(): SecuredEs {
  const certs = join(SECURED_DIR, 'node', 'config', 'certs');
  const secrets = join(SECURED_DIR, 'secrets');
  rmSync(secrets, { recursive: true, force: true });
  mkdirSync(secrets, { recursive: true, mode: 0o700 });
  const repoDir = join(SECURED_DIR, 'repo');
  rmSync(repoDir, { recursive: true, force: true });
  mkdirSync(repoDir, { recursive: true });
  ownByEs(repoDir);
  const password = () => randomBytes(18).toString('base64url');
  const passwords = { elastic: password(), collector: password(), backup: password() };
  const passwordFiles = {
    elastic: join(secrets, 'elastic.password'),
    collector: join(secrets, 'collector.password'),
    backup: join(secrets, 'backup.password'),
  };
  for (const key of ['elastic', 'collector', 'backup'] as const)
    writeFileSync(passwordFiles[key], `${passwords[key]}\n`, { mode: 0o600 });
  const secured: SecuredEs = {
    url: `https://127.0.0.1:${SECURED_PORT}`,
    caFile: join(certs, 'ca', 'ca.crt'),
    clientCertFile: join(certs, 'logship-collector', 'logship-collector.crt'),
    clientKeyFile: join(certs, 'logship-collector', 'logship-collector.key'),
    passwordFiles,
    passwords,
    repoDir,
  };
  writeFileSync(join(SECURED_DIR, 'instance.json'), JSON.stringify(secured), { mode: 0o600 });
  return secured;
}

/**
 * Certificates from the distribution's certutil (a CA, then the node's HTTP certificate and a client certificate
 * signed by it), the `elastic` password in the keystore, the roles of docs/elasticsearch.md and their users.
 */
async function configureSecured(setup: NodeSetup, secured: SecuredEs): Promise<void> {
  // Three independent chains of tool runs (each a JVM start of seconds), side by side.
  await Promise.all([makeCertificates(setup), addPasswords(setup, secured)]);
}

/** A CA, then the node's HTTP certificate and a client certificate signed by it, with the distribution's certutil. */
async function makeCertificates(setup: NodeSetup): Promise<void> {
  const certs = join(setup.configDir, 'certs');
  mkdirSync(certs);
  ownByEs(certs);
  await setup.tool('elasticsearch-certutil', ['ca', '--pem', '--silent', '--out', join(certs, 'ca.zip')]);
  await unzipAsEs(join(certs, 'ca.zip'), certs);
  const instances = join(certs, 'instances.yml');
  writeFileSync(
    instances,
    stringify({
      instances: [{ name: 'http', ip: ['127.0.0.1'], dns: ['localhost'] }, { name: 'logship-collector' }],
    }),
  );
  ownByEs(instances);
  const ca = ['--ca-cert', join(certs, 'ca', 'ca.crt'), '--ca-key', join(certs, 'ca', 'ca.key')];
  const out = ['--out', join(certs, 'certs.zip')];
  await setup.tool('elasticsearch-certutil', ['cert', '--pem', '--silent', '--in', instances, ...ca, ...out]);
  await unzipAsEs(join(certs, 'certs.zip'), certs);
}

/** The roles of docs/elasticsearch.md for the tests' index prefix, as `roles.yml` holds them. */
function testRoles() {
  return {
    logship_collector: collectorRole(TEST_INDEX_PREFIX),
    logship_backup: {
      cluster: [...BACKUP_PRIVILEGES.cluster],
      indices: [{ names: [`${TEST_INDEX_PREFIX}-*`], privileges: [...BACKUP_PRIVILEGES.index] }],
    },
  };
}

/**
 * A running node started by another checkout may hold older roles (a privilege added since): this checkout's roles
 * are written over them, and the file realm re-reads the file within seconds; waits until the collector user holds
 * every privilege of the role.
 */
async function refreshRoles(secured: SecuredEs): Promise<void> {
  const file = join(nodeLayout(join(SECURED_DIR, 'node')).config, 'roles.yml');
  const roles = stringify(testRoles());
  if (readFileSync(file, 'utf8') === roles) return;
  writeFileSync(file, roles);
  ownByEs(file);
  const dispatcher = new Agent({ connect: { ca: readFileSync(secured.caFile, 'utf8') } });
  const auth = Buffer.from(`${COLLECTOR_USER}:${secured.passwords.collector}`).toString('base64');
  const role = collectorRole(TEST_INDEX_PREFIX);
  try {
    await waitFor(
      async () => {
        const res = await request(`${secured.url}/_security/user/_has_privileges`, {
          method: 'POST',
          headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
          body: JSON.stringify({ cluster: role.cluster, index: role.indices }),
          dispatcher,
        });
        return ((await res.body.json()) as { has_all_requested?: boolean }).has_all_requested ? true : undefined;
      },
      30_000,
      'the secured Elasticsearch with the new roles',
    );
  } finally {
    await dispatcher.close();
  }
}

/** The `elastic` password in the keystore; the roles of docs/elasticsearch.md and a file-realm user for each. */
async function addPasswords(setup: NodeSetup, secured: SecuredEs): Promise<void> {
  const keystore = (async () => {
    await setup.tool('elasticsearch-keystore', ['create']);
    await setup.tool(
      'elasticsearch-keystore',
      ['add', '--stdin', 'bootstrap.password'],
      `${secured.passwords.elastic}\n`,
    );
  })();
  writeFileSync(join(setup.configDir, 'roles.yml'), stringify(testRoles()));
  // The PKI realm maps the client certificate's subject to the collector role.
  writeFileSync(join(setup.configDir, 'role_mapping.yml'), stringify({ logship_collector: ['CN=logship-collector'] }));
  for (const file of ['roles.yml', 'role_mapping.yml']) ownByEs(join(setup.configDir, file));
  const users: [string, string, string][] = [
    [COLLECTOR_USER, secured.passwords.collector, 'logship_collector'],
    [BACKUP_USER, secured.passwords.backup, 'logship_backup'],
  ];
  // One after the other: both rewrite the same users file.
  for (const [name, password, role] of users)
    await setup.tool('elasticsearch-users', ['useradd', name, '-r', role], `${password}\n${password}\n`);
  await keystore;
}

async function unzipAsEs(zip: string, into: string): Promise<void> {
  const result = await runTool('unzip', ['-q', '-o', zip, '-d', into], { cwd: into });
  if (result.code !== 0) throw new Error(`unzip ${zip} failed: ${result.output}`);
  if (isRoot()) {
    const user = ensureEsUser();
    const chowned = await runTool('chown', ['-R', `${user.uid}:${user.gid}`, into], { cwd: into });
    if (chowned.code !== 0) throw new Error(`chown ${into} failed: ${chowned.output}`);
  }
}

async function startTrial(secured: SecuredEs): Promise<void> {
  const dispatcher = new Agent({ connect: { ca: readFileSync(secured.caFile, 'utf8') } });
  const headers = { authorization: `Basic ${Buffer.from(`elastic:${secured.passwords.elastic}`).toString('base64')}` };
  try {
    const current = await request(`${secured.url}/_license`, { headers, dispatcher });
    if (((await current.body.json()) as { license?: { type?: string } }).license?.type === 'trial') return;
    const res = await request(`${secured.url}/_license/start_trial?acknowledge=true`, {
      method: 'POST',
      headers,
      dispatcher,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200 || !/"trial_was_started":true|already/.test(text))
      throw new Error(`Starting the trial licence failed (${res.statusCode}): ${text}`);
  } finally {
    await dispatcher.close();
  }
}

/** Folders Elasticsearch writes to must belong to the user it runs as. */
function ownByEs(path: string): void {
  if (!isRoot()) return;
  const user = ensureEsUser();
  chownSync(path, user.uid, user.gid);
}

/**
 * One start at a time per instance folder, across test files and jest workers: a second caller waits for the
 * first to finish (a lock file holding the starter's pid; a dead starter's lock is taken over), then runs `body`,
 * which reuses what the first started.
 */
async function withStartLock<T>(dir: string, body: () => Promise<T>): Promise<T> {
  // Beside the folder, not in it: a start that clears the folder for fresh data must not clear the lock too, which
  // let a waiting test file start the same nodes a second time on the same data ("failed to obtain node locks").
  // The folder itself is made here too, with the usual mode: the secured node's start makes its secrets' folders
  // 0700, and a folder it created on the way would lock Elasticsearch's own user out.
  mkdirSync(dir, { recursive: true });
  const lock = `${dir}.starting.lock`;
  const deadline = Date.now() + 6 * 60_000;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      const holder = Number(readFileSync(lock, 'utf8') || 0);
      // Same process: a start is under way in this process (global-setup's early start); wait for it too.
      if (!holder || (!isAlive(holder) && holder !== process.pid)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`Waited 6 minutes for the start of the Elasticsearch in ${dir}.`);
      await sleep(500);
    }
  }
  try {
    return await body();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Polls `probe` until it gives a value, or fails naming `what`. */
async function waitFor<T>(probe: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not answer within ${ms / 1000} s.`);
    await sleep(1000);
  }
}

function seconds(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(1);
}

/** The pid of a cluster node's server, to kill it like a crash would. */
export function clusterNodePid(cluster: EsCluster, i: number): number | undefined {
  return livePid(nodeLayout(cluster.nodeDirs[i]!).pidFile);
}
