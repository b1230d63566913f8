import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectorConfig, loadCollectorConfig } from '../../../collector/config.js';
import { ConfigError } from '../../../config/config-error.js';
import { parseShipperConfig } from '../../../shipper/config.js';

function refusal(fn: () => unknown): { code: string; problems: readonly string[] } {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return { code: err.code, problems: err.problems };
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('secure defaults in config', () => {
  let dir: string;
  let pem: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'logship-tls-config-'));
    pem = join(dir, 'x.pem');
    writeFileSync(pem, 'not checked by the schema, only by the server at start-up\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses plain HTTP on a non-loopback listen address unless TLS or allow_insecure_http', () => {
    for (const listen of ['0.0.0.0:8080', ':8080', '10.1.2.3:8080', 'collector.internal:8080']) {
      expect(refusal(() => collectorConfig({ listen }))).toEqual({
        code: 'COLLECTOR_INSECURE_LISTEN',
        problems: [expect.stringMatching(new RegExp(`^listen: ${listen} is not a loopback address`))],
      });
    }
    expect(refusal(() => loadCollectorConfig(undefined, { LOGSHIP_LISTEN: '0.0.0.0:9000' })).code).toBe(
      'COLLECTOR_INSECURE_LISTEN',
    );
    expect(collectorConfig({ listen: '127.0.0.1:8080' }).allow_insecure_http).toBe(false);
    expect(collectorConfig({ listen: 'localhost:8080' }).listen).toBe('localhost:8080');
    expect(collectorConfig({ listen: '0.0.0.0:8080', allow_insecure_http: true }).listen).toBe('0.0.0.0:8080');
    const tls = collectorConfig({ listen: '0.0.0.0:8443', tls: { cert: pem, key: pem, client_ca: pem } }).tls;
    expect(tls).toEqual({ cert: pem, key: pem, client_ca: pem, client_auth: 'required' });
  });

  it('names bad TLS and proxy keys', () => {
    const { problems } = refusal(() =>
      collectorConfig({
        tls: { cert: join(dir, 'missing.pem'), key: pem, client_auth: 'sometimes', ca: pem },
        trusted_proxies: ['10.0.0.0/8', '10.0.0.0/99'],
      }),
    );
    expect([...problems].sort()).toEqual([
      'tls.ca: unknown key',
      'tls.cert: file does not exist',
      'tls.client_auth: Invalid option: expected one of "required"|"optional"',
      'trusted_proxies.1: must be an IP address or a CIDR block such as 10.0.0.0/8',
    ]);
  });

  it('the shipper refuses its token over http:// to another machine unless allow_insecure_http', () => {
    const base = { token: 't', inputs: [{ paths: ['/var/log/*.log'] }] };
    const refused = refusal(() =>
      parseShipperConfig(
        { ...base, collectors: ['https://a.internal', 'http://b.internal:8080', 'http://127.0.0.1:8080'] },
        {},
      ),
    );
    expect(refused.code).toBe('SHIPPER_INSECURE_COLLECTOR');
    expect(refused.problems).toEqual([
      expect.stringMatching(/^collectors\.1: http:\/\/b\.internal:8080 is plain HTTP/),
    ]);
    expect(
      refusal(() =>
        parseShipperConfig({ ...base, collectors: ['http://x:1'] }, { LOGSHIP_COLLECTOR_URL: 'http://10.0.0.9:8080' }),
      ).code,
    ).toBe('SHIPPER_INSECURE_COLLECTOR');
    expect(
      parseShipperConfig({ ...base, collectors: ['http://b.internal:8080'], allow_insecure_http: true }, {}).collectors,
    ).toEqual(['http://b.internal:8080']);
    expect(
      refusal(() => parseShipperConfig({ ...base, collectors: ['https://a'], tls: { cert: pem } }, {})).problems,
    ).toEqual(['tls: cert and key go together']);
  });
});
