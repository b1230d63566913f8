import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createToken, readTokens, revokeToken, TokenVerifier } from '../../../collector/auth/token-store.js';
import { secretFromHeader } from '../../../collector/auth/authenticate.js';

describe('token store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'logship-tokens-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores only a hash of the secret, owner-readable only', () => {
    const secret = createToken(dir, 'ci', 'ingest');
    const file = readFileSync(join(dir, 'tokens.json'), 'utf8');
    expect(file).not.toContain(secret);
    expect(readTokens(dir)).toMatchObject([{ name: 'ci', scope: 'ingest' }]);
    expect(statSync(join(dir, 'tokens.json')).mode & 0o777).toBe(0o600);
  });

  it('lets a running verifier see new and revoked tokens without a restart', async () => {
    const verifier = new TokenVerifier(dir, 10);
    const secret = createToken(dir, 'web', 'read');
    await new Promise((r) => setTimeout(r, 20));
    expect(verifier.verify(secret)?.name).toBe('web');
    expect(revokeToken(dir, 'web')).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(verifier.verify(secret)).toBeUndefined();
    expect(revokeToken(dir, 'web')).toBe(false);
  });

  it('accepts a token created a moment ago at once, though the reload interval has not passed', () => {
    const verifier = new TokenVerifier(dir, 60_000);
    const old = createToken(dir, 'old', 'read');
    expect(verifier.verify(old)?.name).toBe('old');
    const secret = createToken(dir, 'new', 'read');
    expect(verifier.verify(secret)?.name).toBe('new');
    verifier.close();
  });

  it('refuses duplicate names', () => {
    createToken(dir, 'a', 'admin');
    expect(() => createToken(dir, 'a', 'read')).toThrow(/exists already/);
  });

  it('reads Bearer, ApiKey and Basic credentials', () => {
    expect(secretFromHeader('Bearer lsp_abc')).toBe('lsp_abc');
    expect(secretFromHeader(`ApiKey ${Buffer.from('id:lsp_abc').toString('base64')}`)).toBe('lsp_abc');
    expect(secretFromHeader(`Basic ${Buffer.from('elastic:lsp_abc').toString('base64')}`)).toBe('lsp_abc');
    expect(secretFromHeader('Digest xyz')).toBeUndefined();
    expect(secretFromHeader(undefined)).toBeUndefined();
  });
});
