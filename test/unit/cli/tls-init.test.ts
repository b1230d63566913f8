import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initTls, type TlsInitOptions } from '../../../cli/tls-init.js';
import { ConfigError } from '../../../config/config-error.js';

const openssl = (args: string[], cwd?: string): string =>
  execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** `openssl verify` of one certificate against a CA for a purpose; true when it verifies. */
function verifies(ca: string, cert: string, purpose: 'sslserver' | 'sslclient'): boolean {
  try {
    return openssl(['verify', '-purpose', purpose, '-CAfile', ca, cert]).trim() === `${cert}: OK`;
  } catch {
    return false;
  }
}

const sha256 = (path: string): string => new X509Certificate(readFileSync(path)).fingerprint256;
const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

describe('logship tls init', () => {
  let dir: string;
  const options = (out: string, more: Partial<TlsInitOptions> = {}): TlsInitOptions => ({
    out,
    caName: 'logship CA',
    serverNames: [],
    serverIps: [],
    clients: [],
    days: 30,
    renew: false,
    ...more,
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'logship-tls-init-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a CA, a server and client certificates that OpenSSL verifies for their purpose, keys 0600 in a 0700 folder', async () => {
    const out = join(dir, 'tls');
    const files = await initTls(
      options(out, { serverNames: ['collector.internal'], serverIps: ['10.0.0.5'], clients: ['web-1', 'db-1'] }),
    );
    expect(files.map((f) => [f.path.slice(out.length + 1), f.action])).toEqual([
      ['ca-key.pem', 'created'],
      ['ca.pem', 'created'],
      ['server-key.pem', 'created'],
      ['server.pem', 'created'],
      ['client-web-1-key.pem', 'created'],
      ['client-web-1.pem', 'created'],
      ['client-db-1-key.pem', 'created'],
      ['client-db-1.pem', 'created'],
    ]);
    expect(mode(out)).toBe('700');
    expect(
      readdirSync(out)
        .sort()
        .map((f) => `${f} ${mode(join(out, f))}`),
    ).toEqual([
      'ca-key.pem 600',
      'ca.pem 644',
      'client-db-1-key.pem 600',
      'client-db-1.pem 644',
      'client-web-1-key.pem 600',
      'client-web-1.pem 644',
      'server-key.pem 600',
      'server.pem 644',
    ]);
    const ca = join(out, 'ca.pem');
    expect(verifies(ca, join(out, 'server.pem'), 'sslserver')).toBe(true);
    expect(verifies(ca, join(out, 'client-web-1.pem'), 'sslclient')).toBe(true);
    // Each certificate serves its own purpose only.
    expect(verifies(ca, join(out, 'server.pem'), 'sslclient')).toBe(false);
    expect(verifies(ca, join(out, 'client-web-1.pem'), 'sslserver')).toBe(false);
    const server = new X509Certificate(readFileSync(join(out, 'server.pem')));
    expect(server.subjectAltName).toBe('DNS:collector.internal, IP Address:10.0.0.5');
    expect(server.checkPrivateKey(createPrivateKey(readFileSync(join(out, 'server-key.pem'))))).toBe(true);
    expect(new X509Certificate(readFileSync(join(out, 'client-db-1.pem'))).subject).toBe('CN=db-1');
    const days = (Date.parse(server.validTo) - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(30);
  });

  it('reuses the CA to add hosts later, keeps what exists, and renews leaf certificates on request', async () => {
    const out = join(dir, 'tls');
    await initTls(options(out, { serverIps: ['127.0.0.1'], clients: ['web-1'] }));
    const before = {
      ca: sha256(join(out, 'ca.pem')),
      server: sha256(join(out, 'server.pem')),
      web1: sha256(join(out, 'client-web-1.pem')),
    };

    const added = await initTls(options(out, { clients: ['web-1', 'web-2'] }));
    expect(added.map((f) => [f.path.slice(out.length + 1), f.action])).toEqual([
      ['ca.pem', 'kept'],
      ['server.pem', 'kept'],
      ['client-web-1.pem', 'kept'],
      ['client-web-2-key.pem', 'created'],
      ['client-web-2.pem', 'created'],
    ]);
    expect([sha256(join(out, 'ca.pem')), sha256(join(out, 'client-web-1.pem'))]).toEqual([before.ca, before.web1]);
    expect(verifies(join(out, 'ca.pem'), join(out, 'client-web-2.pem'), 'sslclient')).toBe(true);

    await initTls(options(out, { serverIps: ['127.0.0.1'], renew: true }));
    expect(sha256(join(out, 'ca.pem'))).toBe(before.ca);
    expect(sha256(join(out, 'server.pem'))).not.toBe(before.server);
    expect(sha256(join(out, 'client-web-1.pem'))).toBe(before.web1);
    expect(verifies(join(out, 'ca.pem'), join(out, 'server.pem'), 'sslserver')).toBe(true);
  });

  it('extends a CA made with openssl (RSA), and refuses a CA key that is not the certificate’s', async () => {
    const out = join(dir, 'rsa');
    mkdirSync(out);
    openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'ca-key.pem',
        '-out',
        'ca.pem',
        '-days',
        '30',
        '-subj',
        '/CN=ops CA',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      out,
    );
    await initTls(options(out, { clients: ['web-9'] }));
    expect(verifies(join(out, 'ca.pem'), join(out, 'client-web-9.pem'), 'sslclient')).toBe(true);

    const other = join(dir, 'ec');
    await initTls(options(other));
    copyFileSync(join(other, 'ca-key.pem'), join(out, 'ca-key.pem'));
    await expect(initTls(options(out, { clients: ['web-10'] }))).rejects.toThrow(
      /ca-key\.pem is not the key of .*ca\.pem/,
    );
  });

  it('names every bad option', async () => {
    const err = await initTls(
      options(join(dir, 'x'), {
        serverIps: ['10.0.0.300'],
        serverNames: ['bad name'],
        clients: ['../etc/passwd'],
        days: 0,
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      '--server-ip: 10.0.0.300 is not an IP address',
      '--server-name: bad name is not a DNS name',
      "--client: ../etc/passwd must be 1-64 letters, digits, '.', '_' or '-' (it names files too)",
      '--days: 0 is not a positive number',
    ]);
  });

  it('the openssl commands in docs/tls.md make the same kind of files, and tls init can go on from them', async () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'tls.md'), 'utf8');
    const block = /### The same with openssl[\s\S]*?```sh\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toContain('cd /etc/logship/tls');
    const out = join(dir, 'openssl');
    mkdirSync(out);
    const run = spawnSync('bash', ['-euc', block!.replace('cd /etc/logship/tls', `cd ${out}`)], { encoding: 'utf8' });
    expect([run.status, run.stdout]).toEqual([0, 'server.pem: OK\nclient-web-1.pem: OK\n']);
    expect(['ca-key.pem', 'server-key.pem', 'client-web-1-key.pem'].map((f) => mode(join(out, f)))).toEqual([
      '600',
      '600',
      '600',
    ]);
    expect(new X509Certificate(readFileSync(join(out, 'server.pem'))).subjectAltName).toBe(
      'DNS:collector.internal, IP Address:10.0.0.5',
    );
    await initTls(options(out, { clients: ['db-1'] }));
    expect(verifies(join(out, 'ca.pem'), join(out, 'client-db-1.pem'), 'sslclient')).toBe(true);
  });
});
