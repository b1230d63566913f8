import { tlsFailure } from '../../../protocol/tls-failure.js';
import { decideRetry, RETRY_CAP_MS } from '../../../shipper/retry-policy.js';
import { ShipperError } from '../../../shipper/shipper-error.js';

const failure = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('TLS failures seen by clients', () => {
  it('tells an untrusted server from a refused handshake and from other errors', () => {
    expect(
      [
        'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        'DEPTH_ZERO_SELF_SIGNED_CERT',
        'CERT_HAS_EXPIRED',
        'ERR_TLS_CERT_ALTNAME_INVALID',
      ].map((c) => tlsFailure(failure(c))),
    ).toEqual(['untrusted', 'untrusted', 'untrusted', 'untrusted']);
    expect(
      [
        failure('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'),
        failure('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'),
        failure('ERR_SSL_WRONG_VERSION_NUMBER'),
        failure('EPROTO', 'write EPROTO …:tlsv1 alert protocol version:…'),
      ].map(tlsFailure),
    ).toEqual(['refused', 'refused', 'refused', 'refused']);
    expect(
      [failure('ECONNREFUSED'), failure('ECONNRESET'), failure('EPROTO', 'other'), new Error('x'), null].map(
        tlsFailure,
      ),
    ).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('the shipper retries TLS failures slowly and loudly: only an operator can fix them, and no data is dropped', () => {
    for (const code of ['SHIPPER_TLS_UNTRUSTED', 'SHIPPER_TLS_REFUSED'] as const) {
      expect(decideRetry(new ShipperError(code, 'x'), 0)).toEqual({ kind: 'retry', delayMs: RETRY_CAP_MS, loud: true });
    }
  });
});
