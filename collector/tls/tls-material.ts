import { constants, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { ConfigError } from '../../config/config-error.js';
import { MIN_TLS_VERSION } from '../../protocol/tls-failure.js';
import type { CollectorConfig } from '../config.js';

/** The collector's `tls` section. */
export type CollectorTlsConfig = NonNullable<CollectorConfig['tls']>;

/** What the collector serves, read from the configured files and checked to form a usable context. */
export interface TlsMaterial {
  /** For `https.createServer` and `server.setSecureContext`. */
  context: SecureContextOptions;
  /** The server certificate (the first one in `tls.cert`), for logs. */
  certificate: X509Certificate;
}

function readPem(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw invalid(`tls.${key}: cannot read ${path}: ${(err as Error).message}`);
  }
}

function invalid(problem: string): ConfigError {
  return new ConfigError('The TLS files cannot be used.', [problem], 'COLLECTOR_TLS_INVALID');
}

/**
 * Reads `tls.cert`, `tls.key` and `tls.client_ca` and checks them as OpenSSL will use them (the key matches the
 * certificate, every file is PEM), so a broken renewal is refused here, at start-up or on SIGHUP, instead of
 * failing every handshake afterwards.
 */
export function loadTlsMaterial(tls: CollectorTlsConfig): TlsMaterial {
  const cert = readPem('cert', tls.cert);
  const key = readPem('key', tls.key);
  const ca = tls.client_ca ? readPem('client_ca', tls.client_ca) : undefined;
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (err) {
    throw invalid(`tls.cert: ${tls.cert} is not a PEM certificate: ${(err as Error).message}`);
  }
  if (ca) {
    try {
      new X509Certificate(ca);
    } catch (err) {
      throw invalid(`tls.client_ca: ${tls.client_ca} is not a PEM certificate: ${(err as Error).message}`);
    }
  }
  const context: SecureContextOptions = {
    cert,
    key,
    minVersion: MIN_TLS_VERSION,
    // TLS 1.2 lets a client renegotiate (and swap certificates) mid-connection; nothing here needs it, and each
    // renegotiation costs the server a handshake. Part of the context, so a reload keeps it.
    secureOptions: constants.SSL_OP_NO_RENEGOTIATION,
    ...(ca ? { ca } : {}),
  };
  try {
    createSecureContext(context);
  } catch (err) {
    // E.g. "key values mismatch" when a renewed certificate was installed with the old key.
    throw invalid(`tls.key: ${tls.key} does not fit tls.cert ${tls.cert}: ${(err as Error).message}`);
  }
  return { context, certificate };
}

/** A certificate as logged: what clients check (names, expiry) and what identifies it (fingerprint). */
export function describeCertificate(certificate: X509Certificate): Record<string, string | undefined> {
  return {
    subject: certificate.subject.replaceAll('\n', ', '),
    subject_alt_names: certificate.subjectAltName,
    valid_to: new Date(certificate.validTo).toISOString(),
    sha256: certificate.fingerprint256,
  };
}
