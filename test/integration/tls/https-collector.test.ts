import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createToken } from '../../../collector/auth/token-store.js';
import { collectorConfig } from '../../../collector/config.js';
import { startCollector, type RunningCollector } from '../../../collector/main.js';
import { initTls } from '../../../cli/tls-init.js';
import { runLogship } from '../../support/processes.js';
import { httpsRequest, type ClientTlsFiles } from '../../support/tls-client.js';

/** A collector in this process on the embedded store, with the log lines it wrote. */
interface Started {
  running: RunningCollector;
  logs: Array<Record<string, unknown>>;
  dataDir: string;
}

/** HTTPS, client certificates, certificate-bound tokens and proxies, against collectors in this process. */
describe('HTTPS collector', () => {
  let dir: string;
  let pki: string;
  let otherPki: string;
  const started: Started[] = [];
  /** Secrets by token name, the same in every collector's data directory. */
  const secrets: Record<string, string> = {};

  const files = (base: string, ca = pki): ClientTlsFiles => ({
    ca: join(pki, 'ca.pem'),
    cert: join(ca, `${base}.pem`),
    key: join(ca, `${base}-key.pem`),
  });
  const noCert: () => ClientTlsFiles = () => ({ ca: join(pki, 'ca.pem') });

  async function start(overrides: Record<string, unknown>): Promise<Started> {
    const dataDir = mkdtempSync(join(dir, 'data-'));
    copyFileSync(join(dir, 'tokens', 'tokens.json'), join(dataDir, 'tokens.json'));
    const logs: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line));
        done();
      },
    });
    const config = collectorConfig({ listen: '127.0.0.1:0', data_dir: dataDir, ...overrides });
    const running = await startCollector(config, pino({ level: 'info' }, sink));
    const s = { running, logs, dataDir };
    started.push(s);
    return s;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'logship-https-'));
    pki = join(dir, 'pki');
    otherPki = join(dir, 'other-pki');
    const tokenDir = join(dir, 'tokens');
    for (const [name, scope, bindSubject] of [
      ['reader', 'read', undefined],
      ['alice', 'read', 'CN=alice'],
      ['web-1', 'ingest', 'CN=web-1'],
      ['web-3', 'ingest', 'DNS:web-3.example.internal'],
    ] as const) {
      secrets[name] = createToken(tokenDir, name, scope, bindSubject ? { bindSubject } : {});
    }
    const base = { caName: 'logship CA', serverNames: ['localhost'], serverIps: ['127.0.0.1'], days: 30, renew: false };
    await initTls({ ...base, out: pki, clients: ['web-1', 'alice'] });
    await initTls({ ...base, out: otherPki, clients: ['web-1', 'alice'] });
    // A client certificate with a DNS subjectAltName, made with openssl as docs/tls.md shows, signed by the same CA.
    const ext = join(pki, 'web-3.ext');
    writeFileSync(
      ext,
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:web-3.example.internal\n',
    );
    const openssl = (args: string[]) =>
      execFileSync('openssl', args, { cwd: pki, stdio: ['ignore', 'ignore', 'pipe'] });
    openssl([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'client-web-3-key.pem',
      '-out',
      'web-3.csr',
      '-subj',
      '/CN=web-3',
    ]);
    openssl([
      'x509',
      '-req',
      '-in',
      'web-3.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-days',
      '30',
      '-extfile',
      ext,
      '-out',
      'client-web-3.pem',
    ]);
  });

  afterAll(async () => {
    for (const s of started) await s.running.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  /** POST /api/v1/session over plain HTTP with extra headers; the Set-Cookie header that came back. */
  async function plainSession(url: string, secret: string, headers: Record<string, string> = {}): Promise<string> {
    const res = await fetch(`${url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ token: secret }),
    });
    expect(res.status).toBe(204);
    return res.headers.get('set-cookie') ?? '';
  }

  const bearer = (name: string) => ({ authorization: `Bearer ${secrets[name]}` });
  const ndjson = { 'content-type': 'application/x-ndjson' };
  const codeOf = (text: string): unknown => (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;

  it('makes the session cookie Secure over HTTPS and behind a trusted proxy, never on plain HTTP or from an untrusted one', async () => {
    const trusting = await start({ trusted_proxies: ['127.0.0.1/32'] });
    const distrusting = await start({ trusted_proxies: ['192.0.2.0/24', '2001:db8::/32'] });
    const https = await start({ tls: { cert: join(pki, 'server.pem'), key: join(pki, 'server-key.pem') } });
    const forwarded = { 'x-forwarded-proto': 'https' };

    expect(await plainSession(trusting.running.url, secrets.reader!, forwarded)).toMatch(/; Secure(;|$)/);
    expect(await plainSession(trusting.running.url, secrets.reader!)).not.toContain('Secure');
    expect(await plainSession(distrusting.running.url, secrets.reader!, forwarded)).not.toContain('Secure');

    const direct = await httpsRequest(`${https.running.url}/api/v1/session`, noCert(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: secrets.reader }),
    });
    expect(direct.status).toBe(204);
    expect(String(direct.headers['set-cookie'])).toMatch(/; Secure(;|$)/);
    const link = new URL(https.running.loginLink('reader'));
    const viaLink = await httpsRequest(link.href, noCert());
    expect(viaLink.status).toBe(303);
    expect(String(viaLink.headers['set-cookie'])).toMatch(/; Secure(;|$)/);
  });

  it('believes X-Forwarded-For only from a trusted proxy (the client address logged with a refused bound token)', async () => {
    const trusting = await start({ trusted_proxies: ['127.0.0.1/32'] });
    const distrusting = await start({ trusted_proxies: ['192.0.2.0/24'] });
    for (const s of [trusting, distrusting]) {
      const res = await fetch(`${s.running.url}/api/v1/ingest`, {
        method: 'POST',
        headers: { ...bearer('web-1'), ...ndjson, 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' },
        body: '{"message":"through a proxy"}\n',
      });
      // A TLS-terminating proxy cannot pass the client's certificate on: a bound token needs a direct connection.
      expect([res.status, codeOf(await res.text())]).toEqual([403, 'AUTH_CERTIFICATE_REQUIRED']);
    }
    const logged = (s: Started) => s.logs.filter((l) => l.code === 'AUTH_CERTIFICATE_REQUIRED').map((l) => l.client);
    expect(logged(trusting)).toEqual(['203.0.113.7']);
    expect(logged(distrusting)).toEqual(['127.0.0.1']);
  });

  it('with client_auth optional, lets clients without a certificate in but holds a bound token to its verified certificate', async () => {
    const s = await start({
      tls: {
        cert: join(pki, 'server.pem'),
        key: join(pki, 'server-key.pem'),
        client_ca: join(pki, 'ca.pem'),
        client_auth: 'optional',
      },
    });
    const url = s.running.url;
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const search = await httpsRequest(`${url}/api/v1/search`, noCert(), { headers: bearer('reader') });
    expect(search.status).toBe(200);

    const ingest = (name: string, tls: ClientTlsFiles) =>
      httpsRequest(`${url}/api/v1/ingest`, tls, {
        method: 'POST',
        headers: { ...bearer(name), ...ndjson },
        body: '{"message":"bound"}\n',
      });
    const answers = async (name: string, tls: ClientTlsFiles) => {
      const a = await ingest(name, tls);
      return [a.status, a.status === 200 ? JSON.parse(a.text).accepted : codeOf(a.text)];
    };
    expect(await answers('web-1', noCert())).toEqual([403, 'AUTH_CERTIFICATE_REQUIRED']);
    // Same CN, another CA: a certificate that did not verify proves nothing, whatever its subject says.
    expect(await answers('web-1', files('client-web-1', otherPki))).toEqual([403, 'AUTH_CERTIFICATE_REQUIRED']);
    expect(await answers('web-1', files('client-alice'))).toEqual([403, 'AUTH_CERTIFICATE_MISMATCH']);
    expect(await answers('web-1', files('client-web-1'))).toEqual([200, 1]);
    // DNS: bindings match a subjectAltName entry (this certificate was made with openssl), never the CN.
    expect(await answers('web-3', files('client-web-3'))).toEqual([200, 1]);
    expect(await answers('web-3', files('client-web-1'))).toEqual([403, 'AUTH_CERTIFICATE_MISMATCH']);

    // A bound read token signs in only with its certificate, and its session cookie needs it on every request.
    const signIn = (tls: ClientTlsFiles) =>
      httpsRequest(`${url}/api/v1/session`, tls, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: secrets.alice }),
      });
    const refused = await signIn(noCert());
    expect([refused.status, codeOf(refused.text)]).toEqual([403, 'AUTH_CERTIFICATE_REQUIRED']);
    const signedIn = await signIn(files('client-alice'));
    expect(signedIn.status).toBe(204);
    const cookie = String(signedIn.headers['set-cookie']).split(';')[0]!;
    const withCookie = (tls: ClientTlsFiles) => httpsRequest(`${url}/api/v1/search`, tls, { headers: { cookie } });
    const cookieAlone = await withCookie(noCert());
    expect([cookieAlone.status, codeOf(cookieAlone.text)]).toEqual([403, 'AUTH_CERTIFICATE_REQUIRED']);
    expect((await withCookie(files('client-alice'))).status).toBe(200);
  });

  it('with client_auth required, answers every request without a verified certificate with a coded 403, health probes aside, and speaks TLS 1.2 at least', async () => {
    const s = await start({
      tls: { cert: join(pki, 'server.pem'), key: join(pki, 'server-key.pem'), client_ca: join(pki, 'ca.pem') },
    });
    const url = s.running.url;
    expect((await httpsRequest(`${url}/healthz`, noCert())).status).toBe(200);
    const status = async (path: string, tls: ClientTlsFiles) => {
      const a = await httpsRequest(`${url}${path}`, tls, { headers: bearer('reader') });
      return [a.status, a.status === 200 ? 'ok' : codeOf(a.text)];
    };
    expect(await status('/api/v1/search', noCert())).toEqual([403, 'TLS_CLIENT_CERTIFICATE_REQUIRED']);
    expect(await status('/metrics', noCert())).toEqual([403, 'TLS_CLIENT_CERTIFICATE_REQUIRED']);
    expect(await status('/api/v1/search', files('client-web-1', otherPki))).toEqual([
      403,
      'TLS_CLIENT_CERTIFICATE_UNTRUSTED',
    ]);
    expect(await status('/api/v1/search', files('client-web-1'))).toEqual([200, 'ok']);
    await expect(httpsRequest(`${url}/healthz`, { ...files('client-web-1'), maxVersion: 'TLSv1.1' })).rejects.toThrow(
      /alert protocol version/,
    );
  });

  it('logship search verifies the collector against --ca or LOGSHIP_CA and presents --cert/--key', async () => {
    const s = await start({
      tls: { cert: join(pki, 'server.pem'), key: join(pki, 'server-key.pem'), client_ca: join(pki, 'ca.pem') },
    });
    const url = s.running.url.replace('127.0.0.1', 'localhost');
    const sent = await httpsRequest(`${url}/api/v1/ingest`, files('client-web-1'), {
      method: 'POST',
      headers: { ...bearer('web-1'), ...ndjson },
      body: ['one', 'two', 'three']
        .map((m) => JSON.stringify({ message: `search over tls ${m}`, host: 'web-1' }))
        .join('\n'),
    });
    expect(JSON.parse(sent.text).accepted).toBe(3);
    const env = { LOGSHIP_COLLECTOR_URL: url, LOGSHIP_TOKEN: secrets.reader, LOGSHIP_CA: undefined };
    const client = ['--cert', join(pki, 'client-web-1.pem'), '--key', join(pki, 'client-web-1-key.pem')];

    const ok = await runLogship(
      ['search', 'tls', '--from', '1h', '--json', '--ca', join(pki, 'ca.pem'), ...client],
      env,
    );
    expect([ok.code, ok.stdout.trim().split('\n').length]).toEqual([0, 3]);
    const viaEnv = await runLogship(['search', 'tls', '--from', '1h', ...client], {
      ...env,
      LOGSHIP_CA: join(pki, 'ca.pem'),
    });
    expect([viaEnv.code, viaEnv.stdout.trim().split('\n').length]).toEqual([0, 3]);

    const wrongCa = await runLogship(['search', 'tls', '--ca', join(otherPki, 'ca.pem'), ...client], env);
    expect(wrongCa.code).toBe(1);
    expect(wrongCa.stderr).toContain('SEARCH_TLS_UNTRUSTED');
    const noClientCert = await runLogship(['search', 'tls', '--ca', join(pki, 'ca.pem')], env);
    expect(noClientCert.code).toBe(1);
    expect(noClientCert.stderr).toContain('TLS_CLIENT_CERTIFICATE_REQUIRED');
  });

  it('token create --bind-subject stores the binding (token list shows it) and refuses a malformed one with exit 2', async () => {
    const env = { LOGSHIP_DATA_DIR: join(dir, 'cli-tokens') };
    const created = await runLogship(
      ['token', 'create', '--scope', 'ingest', '--name', 'db-1', '--bind-subject', 'DNS:db-1.example.internal'],
      env,
    );
    expect([created.code, created.stderr]).toEqual([
      0,
      expect.stringContaining('bound to client certificate DNS:db-1.example.internal'),
    ]);
    const bad = await runLogship(
      ['token', 'create', '--scope', 'ingest', '--name', 'db-2', '--bind-subject', 'db-2'],
      env,
    );
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('TOKEN_BAD_BINDING')]);
    const listed = (await runLogship(['token', 'list'], env)).stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(listed.map((f) => [f[0], f[1], f[3]])).toEqual([['db-1', 'ingest', 'DNS:db-1.example.internal']]);
  });
});
