import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateMatches, checkBinding } from '../../../collector/auth/certificate-binding.js';
import { createToken, readTokens } from '../../../collector/auth/token-store.js';
import { initTls } from '../../../cli/tls-init.js';

describe('tokens bound to a client certificate', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'logship-binding-'));
    await initTls({
      out: join(dir, 'tls'),
      caName: 'logship CA',
      serverNames: ['web-1.example.internal', '*.pool.example.internal'],
      serverIps: [],
      clients: ['web-1'],
      days: 1,
      renew: false,
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts CN= and DNS: forms only', () => {
    const good = ['CN=web-1', 'CN=Web Server 1', 'DNS:web-1.example.internal', 'DNS:a'];
    const bad = [
      'web-1',
      'cn=web-1',
      'CN=',
      'DNS:',
      'DNS:*.example.internal',
      'DNS:-x',
      'URI:spiffe://x',
      'CN=a\nDNS:b',
      'O=acme',
    ];
    expect(good.map(checkBinding)).toEqual(good);
    for (const b of bad) expect(() => checkBinding(b)).toThrow(expect.objectContaining({ code: 'TOKEN_BAD_BINDING' }));
  });

  it('stores the binding with the token, and refuses a bad one without writing anything', () => {
    const data = join(dir, 'data');
    createToken(data, 'web-1', 'ingest', { bindSubject: 'CN=web-1' });
    createToken(data, 'plain', 'ingest');
    expect(() => createToken(data, 'bad', 'ingest', { bindSubject: 'web-1' })).toThrow(/CN=<common name> or DNS:/);
    expect(readTokens(data).map((t) => [t.name, t.bind_subject])).toEqual([
      ['web-1', 'CN=web-1'],
      ['plain', undefined],
    ]);
  });

  it('matches the exact common name, or an exact subjectAltName DNS entry (wildcards in certificates do not count)', () => {
    const client = new X509Certificate(readFileSync(join(dir, 'tls', 'client-web-1.pem')));
    const server = new X509Certificate(readFileSync(join(dir, 'tls', 'server.pem')));
    expect(certificateMatches('CN=web-1', client, 'web-1')).toBe(true);
    expect(certificateMatches('CN=web-1', client, 'web-10')).toBe(false);
    // Node gives an array when a subject has several CNs: ambiguous, never a match.
    expect(certificateMatches('CN=web-1', client, ['web-1', 'web-2'])).toBe(false);
    expect(certificateMatches('DNS:web-1', client, 'web-1')).toBe(false); // the CN is not a DNS name
    expect(certificateMatches('DNS:web-1.example.internal', server, 'x')).toBe(true);
    expect(certificateMatches('DNS:WEB-1.example.internal', server, 'x')).toBe(true); // DNS names ignore case
    expect(certificateMatches('DNS:a.pool.example.internal', server, 'x')).toBe(false);
  });
});
