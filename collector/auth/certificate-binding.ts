import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Request } from 'express';
import { CodedError } from '../../protocol/coded-error.js';
import { CollectorError } from '../collector-error.js';

/**
 * A token may be bound to the identity in a client certificate (`token create --bind-subject`), so that a stolen
 * secret alone is not enough. Two forms, as `openssl x509 -noout -subject -ext subjectAltName` prints them:
 * - `CN=web-1`: the certificate's subject has exactly this one common name;
 * - `DNS:web-1.example.internal`: one of its subjectAltName DNS entries is exactly this name (no wildcards).
 */
const BINDING = /^(?:CN=(?<cn>[^\n\r\0]{1,64})|DNS:(?<dns>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?))$/;

/** Checks a `--bind-subject` value; throws TOKEN_BAD_BINDING naming the accepted forms. */
export function checkBinding(binding: string): string {
  if (!BINDING.test(binding)) {
    throw new CodedError(
      'TOKEN_BAD_BINDING',
      `--bind-subject "${binding}" must be CN=<common name> or DNS:<subjectAltName DNS name>, e.g. CN=web-1.`,
      400,
    );
  }
  return binding;
}

/** Whether a verified client certificate carries the identity `binding` names. */
export function certificateMatches(binding: string, certificate: X509Certificate, commonName: unknown): boolean {
  const groups = BINDING.exec(binding)?.groups;
  if (groups?.cn !== undefined) return commonName === groups.cn; // an array when the subject has several CNs
  if (groups?.dns !== undefined) {
    return (
      certificate.checkHost(groups.dns, { subject: 'never', wildcards: false, partialWildcards: false }) !== undefined
    );
  }
  return false;
}

/** A request refused because its client certificate does not fit the token's binding; logged as a security event. */
export class CertificateRefusal extends CollectorError {
  constructor(
    code: 'AUTH_CERTIFICATE_REQUIRED' | 'AUTH_CERTIFICATE_MISMATCH',
    message: string,
    /** For the log only, never the answer: which token was presented and which certificate came with it. */
    readonly tokenName: string,
    readonly presented: string | undefined,
  ) {
    super(code, message, 403);
  }
}

/**
 * Undefined when the token is unbound or the connection's client certificate (verified against `tls.client_ca`)
 * fits its binding; otherwise the refusal. A certificate that did not verify counts as none, whatever it says.
 */
export function certificateRefusal(
  req: Request,
  token: { name: string; bind_subject?: string | undefined },
): CertificateRefusal | undefined {
  const binding = token.bind_subject;
  if (binding === undefined) return undefined;
  const socket = req.socket as Partial<TLSSocket>;
  const peer = socket.encrypted && socket.authorized ? socket.getPeerCertificate?.() : undefined;
  if (!peer?.raw) {
    return new CertificateRefusal(
      'AUTH_CERTIFICATE_REQUIRED',
      'This token is bound to a client certificate; connect over TLS with that certificate.',
      token.name,
      undefined,
    );
  }
  const certificate = new X509Certificate(peer.raw);
  if (certificateMatches(binding, certificate, peer.subject?.CN)) return undefined;
  return new CertificateRefusal(
    'AUTH_CERTIFICATE_MISMATCH',
    'This token is bound to another client certificate.',
    token.name,
    certificate.subject.replaceAll('\n', ', '),
  );
}
