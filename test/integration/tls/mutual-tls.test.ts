import type { ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ApiClient } from '../../../cli/api-client.js';
import { clientDispatcher } from '../../../cli/client-tls.js';
import type { Hit } from '../../../protocol/event.js';
import { createTestHost, type TestHost } from '../../support/network-namespace.js';
import { freePort, runLogship, spawnLogship, stopProcess, waitFor } from '../../support/processes.js';
import { auditSequence } from '../../support/sequence-log.js';
import { httpsRequest, servedCertificate } from '../../support/tls-client.js';

/** Lines without a leading time, so each event is stamped when read and "the last hour" finds it. */
function lines(from: number, to: number): string {
  let out = '';
  for (let seq = from; seq < to; seq++)
    out += `tls shipping check seq=${String(seq).padStart(6, '0')} path=/orders/${seq % 97}\n`;
  return out;
}

/** The whole flow as operators run it, every part a real `logship` process; the shipper lives on another address. */
describe('mutual TLS between a collector and shippers on another address', () => {
  let host: TestHost;
  let dir: string;
  let pki: string;
  let otherPki: string;
  let collector: ChildProcess;
  let url: string;
  let port: number;
  const tokens = { bound: '', fleet: '', read: '' };
  const running: ChildProcess[] = [];
  /** What a client with the right CA and web-1's certificate presents. */
  let goodClient: { ca: string; cert: string; key: string };

  const collectorLog = (): string => readFileSync(join(dir, 'collector.log'), 'utf8');

  /** Waits until a log file holds every one of `needles`. */
  async function logged(file: string, ...needles: string[]): Promise<void> {
    await waitFor(
      `${needles.join(' and ')} in ${file}`,
      async () => (needles.every((n) => readFileSync(file, 'utf8').includes(n)) ? 1 : undefined),
      30_000,
    );
  }

  async function logship(args: string[], env: Record<string, string | undefined> = {}) {
    const run = await runLogship(args, { LOGSHIP_DATA_DIR: join(dir, 'data'), ...env });
    if (run.code !== 0) throw new Error(`logship ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
    return run.stdout.trim();
  }

  /** A `logship shipper` in the test host's namespace, shipping `<dir>/<name>/app.log` as host `<name>`. */
  function startShipper(name: string, token: string, tls: Record<string, string>, collectorUrl = url): string {
    const home = join(dir, name);
    mkdirSync(home, { recursive: true });
    const config = join(home, 'shipper.yml');
    writeFileSync(
      config,
      stringify({
        host: name,
        collectors: [collectorUrl],
        token,
        tls,
        data_dir: join(home, 'data'),
        inputs: [{ paths: [join(home, 'app.log')], service: 'tls-test' }],
        batch: { max_wait: '100ms' },
        heartbeat_interval: 0,
      }),
    );
    // Empty values: this run's own LOGSHIP_* variables must not override the config.
    const env = { LOGSHIP_TOKEN: '', LOGSHIP_COLLECTOR_URL: '', LOGSHIP_DATA_DIR: '' };
    running.push(spawnLogship(['shipper', '--config', config], env, join(home, 'shipper.log'), host.command));
    return home;
  }

  /** SIGTERM (exit 0 expected) for a shipper that delivers; one that cannot would wait out its stop deadline. */
  async function stopShippers(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    for (const child of running.splice(0)) {
      const code = await stopProcess(child, signal);
      if (signal === 'SIGTERM') expect(code).toBe(0);
    }
  }

  async function stored(hostName: string): Promise<Hit[]> {
    const client = new ApiClient(url, tokens.read, clientDispatcher(url, goodClient));
    return (await client.search({ host: hostName, from: 'now-1h', limit: 10_000 })).hits;
  }

  /** Waits until `n` events of `hostName` are stored, then checks each of sequence numbers [0, n) is there once. */
  async function expectStoredOnce(hostName: string, n: number): Promise<void> {
    await waitFor(
      `${n} stored events of ${hostName}`,
      async () => ((await stored(hostName)).length >= n ? 1 : undefined),
      60_000,
      250,
    );
    expect(auditSequence(await stored(hostName), n)).toEqual({ events: n, distinct: n, duplicates: 0, gaps: 0 });
  }

  /** Ingest and heartbeat requests the collector has answered, from its own metrics. */
  async function writeRequestsSeen(): Promise<number> {
    const { text } = await httpsRequest(`${url}/metrics`, goodClient);
    let sum = 0;
    for (const m of text.matchAll(/^logship_collector_request_duration_seconds_count\{([^}]*)\} (\d+)$/gm)) {
      if (/route="\/api\/v1\/(ingest|heartbeat)"/.test(m[1]!)) sum += Number(m[2]);
    }
    return sum;
  }

  beforeAll(async () => {
    host = createTestHost('tls');
    dir = mkdtempSync(join(tmpdir(), 'logship-mtls-'));
    pki = join(dir, 'pki');
    otherPki = join(dir, 'other-pki');
    const serverIp = ['--server-ip', host.hostAddress];
    await logship(['tls', 'init', '--out', pki, ...serverIp, '--client', 'web-1', '--client', 'web-2']);
    // A second, unrelated CA: its certificates carry the same names but prove nothing to the first.
    await logship(['tls', 'init', '--out', otherPki, ...serverIp, '--client', 'web-1']);
    goodClient = {
      ca: join(pki, 'ca.pem'),
      cert: join(pki, 'client-web-1.pem'),
      key: join(pki, 'client-web-1-key.pem'),
    };
    tokens.bound = await logship([
      'token',
      'create',
      '--scope',
      'ingest',
      '--name',
      'web-1',
      '--bind-subject',
      'CN=web-1',
    ]);
    tokens.fleet = await logship(['token', 'create', '--scope', 'ingest', '--name', 'fleet']);
    tokens.read = await logship(['token', 'create', '--scope', 'read', '--name', 'ops']);

    port = await freePort();
    url = `https://${host.hostAddress}:${port}`;
    const config = join(dir, 'collector.yml');
    writeFileSync(
      config,
      stringify({
        listen: `${host.hostAddress}:${port}`,
        data_dir: join(dir, 'data'),
        tls: { cert: join(pki, 'server.pem'), key: join(pki, 'server-key.pem'), client_ca: join(pki, 'ca.pem') },
      }),
    );
    collector = spawnLogship(['collector', '--config', config], { LOGSHIP_ES_URL: '' }, join(dir, 'collector.log'));
    await waitFor(
      'the collector over HTTPS',
      async () => ((await httpsRequest(`${url}/readyz`, goodClient)).status === 200 ? true : undefined),
      60_000,
      200,
    );
  });

  afterAll(async () => {
    for (const child of running) await stopProcess(child, 'SIGKILL');
    if (collector) await stopProcess(collector);
    host?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses plain HTTP on a non-loopback address, collector and shipper alike (exit 2, coded)', async () => {
    const plain = join(dir, 'plain.yml');
    writeFileSync(
      plain,
      stringify({ listen: `${host.hostAddress}:${await freePort()}`, data_dir: join(dir, 'plain') }),
    );
    const refusedCollector = await runLogship(['collector', '--config', plain], { LOGSHIP_ES_URL: undefined });
    expect(refusedCollector.code).toBe(2);
    expect(refusedCollector.stderr).toContain('COLLECTOR_INSECURE_LISTEN');
    expect(refusedCollector.stderr).toContain(`listen: ${host.hostAddress}:`);

    const shipperConfig = join(dir, 'plain-shipper.yml');
    writeFileSync(
      shipperConfig,
      stringify({
        collectors: [`http://${host.hostAddress}:${port}`],
        token: tokens.fleet,
        data_dir: join(dir, 'plain-shipper'),
        inputs: [{ paths: [join(dir, 'plain-shipper', '*.log')] }],
      }),
    );
    const env = { LOGSHIP_TOKEN: undefined, LOGSHIP_COLLECTOR_URL: undefined, LOGSHIP_DATA_DIR: undefined };
    const refusedShipper = await runLogship(['shipper', '--config', shipperConfig], env, host.command);
    expect(refusedShipper.code).toBe(2);
    expect(refusedShipper.stderr).toContain('SHIPPER_INSECURE_COLLECTOR');
    expect(refusedShipper.stderr).toContain('collectors.0:');
  });

  it('a shipper trusting another CA stops at the handshake: SHIPPER_TLS_UNTRUSTED and not one request sent', async () => {
    const before = await writeRequestsSeen();
    const home = startShipper('web-wrong-ca', tokens.fleet, {
      ca: join(otherPki, 'ca.pem'),
      cert: join(pki, 'client-web-1.pem'),
      key: join(pki, 'client-web-1-key.pem'),
    });
    appendFileSync(join(home, 'app.log'), lines(0, 100));
    await logged(join(home, 'shipper.log'), '"code":"SHIPPER_TLS_UNTRUSTED"');
    await stopShippers();
    expect(await writeRequestsSeen()).toBe(before);
    expect((await stored('web-wrong-ca')).length).toBe(0);
  });

  it('a shipper without a client certificate, or with one of another CA, is refused before any route: SHIPPER_TLS_REFUSED', async () => {
    const before = await writeRequestsSeen();
    const homes = [
      startShipper('web-no-cert', tokens.fleet, { ca: join(pki, 'ca.pem') }),
      startShipper('web-foreign-cert', tokens.fleet, {
        ca: join(pki, 'ca.pem'),
        cert: join(otherPki, 'client-web-1.pem'),
        key: join(otherPki, 'client-web-1-key.pem'),
      }),
    ];
    for (const home of homes) appendFileSync(join(home, 'app.log'), lines(0, 100));
    for (const home of homes) {
      await logged(join(home, 'shipper.log'), '"code":"SHIPPER_TLS_REFUSED"');
    }
    await stopShippers();
    expect(await writeRequestsSeen()).toBe(before);
    expect((await stored('web-no-cert')).length).toBe(0);
    expect((await stored('web-foreign-cert')).length).toBe(0);
  });

  it('a token bound to CN=web-1 is refused with web-2’s certificate: 403 AUTH_CERTIFICATE_MISMATCH', async () => {
    const web2 = {
      ca: join(pki, 'ca.pem'),
      cert: join(pki, 'client-web-2.pem'),
      key: join(pki, 'client-web-2-key.pem'),
    };
    const post = (files: typeof web2) =>
      httpsRequest(`${url}/api/v1/ingest`, files, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.bound}`, 'content-type': 'application/x-ndjson' },
        body: '{"message":"bound token check","host":"web-bound"}\n',
      });
    const refused = await post(web2);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).error.code).toBe('AUTH_CERTIFICATE_MISMATCH');

    const home = startShipper('web-2', tokens.bound, web2);
    appendFileSync(join(home, 'app.log'), lines(0, 50));
    await logged(join(home, 'shipper.log'), '"code":"SHIPPER_COLLECTOR_AUTH"', 'AUTH_CERTIFICATE_MISMATCH');
    await stopShippers();
    expect((await stored('web-2')).length).toBe(0);
    expect(collectorLog()).toContain('"certificate":"CN=web-2"');

    const accepted = await post(goodClient);
    expect([accepted.status, JSON.parse(accepted.text).accepted]).toEqual([200, 1]);
  });

  it('ships every line exactly once over mutual TLS; SIGHUP serves a renewed certificate to new connections while open ones go on', async () => {
    const home = startShipper('web-1', tokens.bound, goodClient);
    const log = join(home, 'app.log');
    appendFileSync(log, lines(0, 3000));
    await expectStoredOnce('web-1', 3000);

    // A live tail opened with the old certificate: it must stay the same stream (one open) through the reload.
    const tailed: Hit[] = [];
    let opens = 0;
    const stopTail = new AbortController();
    const tailClient = new ApiClient(url, tokens.read, clientDispatcher(url, goodClient));
    const tail = tailClient.tail(
      { host: 'web-1' },
      (hit) => tailed.push(hit),
      stopTail.signal,
      () => opens++,
    );
    await waitFor('the tail stream', async () => (opens === 1 ? 1 : undefined), 15_000);

    const hostAddress = host.hostAddress;
    const before = await servedCertificate(hostAddress, port, goodClient);
    expect(before).toBe(new X509Certificate(readFileSync(join(pki, 'server.pem'))).fingerprint256);
    await logship(['tls', 'init', '--out', pki, '--server-ip', hostAddress, '--renew']);
    const renewed = new X509Certificate(readFileSync(join(pki, 'server.pem'))).fingerprint256;
    expect(renewed).not.toBe(before);
    // The files alone change nothing: the collector serves what it loaded until SIGHUP.
    expect(await servedCertificate(hostAddress, port, goodClient)).toBe(before);

    collector.kill('SIGHUP');
    await logged(join(dir, 'collector.log'), `"sha256":"${renewed}","msg":"Reloaded the TLS files`);
    expect(await servedCertificate(hostAddress, port, goodClient)).toBe(renewed);

    appendFileSync(log, lines(3000, 4000));
    await expectStoredOnce('web-1', 4000);
    await waitFor('1000 events through the open tail', async () => (tailed.length >= 1000 ? 1 : undefined), 30_000);
    expect(new Set(tailed.map((h) => h.message)).size).toBe(1000);
    expect(tailed.every((h) => Number(/seq=(\d+)/.exec(h.message)?.[1]) >= 3000)).toBe(true);
    expect(opens).toBe(1);

    // A key that does not fit the certificate is refused on reload; the renewed certificate stays in service.
    copyFileSync(join(otherPki, 'server-key.pem'), join(pki, 'server-key.pem'));
    collector.kill('SIGHUP');
    await logged(join(dir, 'collector.log'), '"code":"COLLECTOR_TLS_INVALID"');
    expect(await servedCertificate(hostAddress, port, goodClient)).toBe(renewed);

    stopTail.abort();
    await tail;
    await stopShippers('SIGTERM');
  });
});
