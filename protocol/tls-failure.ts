/**
 * How a TLS connection failed, seen from a client (shipper, `logship search`):
 * - `untrusted`: the server's certificate did not verify (unknown CA, wrong name, expired). Nothing was sent,
 *   not even the token: Node checks the certificate before a byte of the request leaves.
 * - `refused`: the server ended the handshake with an alert (no common TLS version, or a server that checks client
 *   certificates during the handshake), or does not speak TLS at all.
 */
export type TlsFailure = 'untrusted' | 'refused';

/** OpenSSL's verification results as Node names them, plus Node's own host name check. */
const UNTRUSTED = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The kind of TLS failure behind a connection error, or undefined for any other error. */
export function tlsFailure(err: unknown): TlsFailure | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (UNTRUSTED.has(code)) return 'untrusted';
  // ERR_SSL_…_ALERT_… is an alert the server sent (EPROTO with "alert" when it came while writing);
  // WRONG_VERSION_NUMBER is an https:// URL on a plain HTTP port.
  if (/^ERR_SSL_.*ALERT/.test(code) || code === 'ERR_SSL_WRONG_VERSION_NUMBER') return 'refused';
  if (code === 'EPROTO' && /\balert\b/.test((err as Error).message)) return 'refused';
  return undefined;
}

/** The lowest TLS version logship speaks, as client and as server. */
export const MIN_TLS_VERSION = 'TLSv1.2' as const;
