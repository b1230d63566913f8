// @peculiar/x509 resolves its parts through tsyringe, which needs the Reflect metadata polyfill loaded first.
// Only `logship tls init` loads this module, so the polyfill never reaches the collector or the shipper.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate as NodeCertificate, createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { ConfigError } from '../config/config-error.js';

type CryptoKey = webcrypto.CryptoKey;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** ECDSA P-256: small keys and fast handshakes, supported by every TLS stack logship meets. */
const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 3600_000;
/** Clocks of a fleet disagree a little; a certificate valid from "now" would be refused by a host behind. */
const BACKDATE_MS = 5 * 60_000;
const CA_DAYS = 3650;

/** What `logship tls init` makes (see docs/tls.md). */
export interface TlsInitOptions {
  out: string;
  caName: string;
  /** DNS names and IP addresses the collector is reached by; a server certificate is made when any is given. */
  serverNames: string[];
  serverIps: string[];
  /** One client certificate per name (subject CN=<name>), e.g. one per shipper host. */
  clients: string[];
  /** Validity of server and client certificates. */
  days: number;
  /** Issue server and client certificates again even where they exist (the CA is kept). */
  renew: boolean;
}

/** One file and what happened to it. */
export interface TlsFile {
  path: string;
  action: 'created' | 'kept' | 'renewed';
  /** SHA-256 fingerprint of a certificate. */
  sha256?: string;
}

interface Issuer {
  certificate: x509.X509Certificate;
  key: CryptoKey;
  algorithm: Algorithm | EcdsaParams;
}

const CLIENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Makes (or completes) a small private PKI in `out`: a CA, a server certificate, client certificates. */
export async function initTls(options: TlsInitOptions): Promise<TlsFile[]> {
  checkOptions(options);
  // 0700: the folder holds the CA's key, which can mint certificates the whole fleet trusts.
  mkdirSync(options.out, { recursive: true, mode: 0o700 });
  const files: TlsFile[] = [];
  const issuer = await loadOrCreateCa(options, files);

  const hasServerNames = options.serverNames.length + options.serverIps.length > 0;
  const serverPath = join(options.out, 'server.pem');
  if (hasServerNames) {
    const names = [
      ...options.serverNames.map((value) => ({ type: 'dns' as const, value })),
      ...options.serverIps.map((value) => ({ type: 'ip' as const, value })),
    ];
    const subject = options.serverNames[0] ?? options.serverIps[0] ?? 'logship collector';
    await issueLeaf(issuer, options, files, 'server', subject, [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
    ]);
  } else if (existsSync(serverPath)) {
    files.push({ path: serverPath, action: 'kept' });
  }
  for (const name of options.clients) {
    await issueLeaf(issuer, options, files, `client-${name}`, name, [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ]);
  }
  return files;
}

function checkOptions(options: TlsInitOptions): void {
  const problems = [
    ...options.serverIps.filter((ip) => isIP(ip) === 0).map((ip) => `--server-ip: ${ip} is not an IP address`),
    ...options.serverNames
      .filter((n) => !/^(\*\.)?[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(n))
      .map((n) => `--server-name: ${n} is not a DNS name`),
    ...options.clients
      .filter((n) => !CLIENT_NAME.test(n))
      .map((n) => `--client: ${n} must be 1-64 letters, digits, '.', '_' or '-' (it names files too)`),
    ...(Number.isInteger(options.days) && options.days > 0 ? [] : [`--days: ${options.days} is not a positive number`]),
  ];
  if (problems.length) throw new ConfigError('logship tls init cannot go on.', problems);
}

/** The signature algorithm that fits a private key (an existing CA may be RSA or another curve, e.g. openssl's). */
function signingAlgorithm(keyPem: Buffer): {
  importAs: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams;
  sign: Algorithm;
} {
  const key = createPrivateKey(keyPem);
  if (key.asymmetricKeyType === 'rsa') {
    const rsa = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return { importAs: rsa, sign: rsa };
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const named = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : undefined;
  if (key.asymmetricKeyType !== 'ec' || !named) {
    throw new ConfigError('The CA key must be RSA or ECDSA on P-256 or P-384.');
  }
  return {
    importAs: { name: 'ECDSA', namedCurve: named },
    sign: { name: 'ECDSA', hash: named === 'P-256' ? 'SHA-256' : 'SHA-384' } as EcdsaParams,
  };
}

async function loadOrCreateCa(options: TlsInitOptions, files: TlsFile[]): Promise<Issuer> {
  const certPath = join(options.out, 'ca.pem');
  const keyPath = join(options.out, 'ca-key.pem');
  if (existsSync(certPath) || existsSync(keyPath)) {
    // Reusing the CA lets certificates for new hosts be added later, trusted by everything already deployed.
    const certPem = readFileSync(certPath);
    const keyPem = readFileSync(keyPath);
    const fromCert = new NodeCertificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
    const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    if (!fromCert.equals(fromKey)) throw new ConfigError(`${keyPath} is not the key of ${certPath}.`);
    const { importAs, sign } = signingAlgorithm(keyPem);
    const pkcs8 = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' });
    const key = await webcrypto.subtle.importKey('pkcs8', pkcs8, importAs, false, ['sign']);
    const certificate = new x509.X509Certificate(certPem.toString('utf8'));
    files.push({ path: certPath, action: 'kept', sha256: fingerprint(certificate) });
    return { certificate, key, algorithm: sign };
  }
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: [options.caName] }],
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + CA_DAYS * DAY_MS),
    keys,
    signingAlgorithm: EC_P256,
    extensions: [
      // pathlen 0: this CA signs certificates for hosts, never another CA.
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  await writeKey(keyPath, keys.privateKey);
  writeAtomically(certPath, certificate.toString('pem') + '\n', 0o644);
  files.push(
    { path: keyPath, action: 'created' },
    { path: certPath, action: 'created', sha256: fingerprint(certificate) },
  );
  return { certificate, key: keys.privateKey, algorithm: EC_P256 };
}

/** Issues `<base>.pem` and `<base>-key.pem` unless they exist (or `renew`). */
async function issueLeaf(
  issuer: Issuer,
  options: TlsInitOptions,
  files: TlsFile[],
  base: string,
  commonName: string,
  extensions: x509.Extension[],
): Promise<void> {
  const certPath = join(options.out, `${base}.pem`);
  const keyPath = join(options.out, `${base}-key.pem`);
  const exists = existsSync(certPath);
  if (exists && !options.renew) {
    files.push({ path: certPath, action: 'kept' });
    return;
  }
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.create({
    subject: [{ CN: [commonName] }],
    issuer: issuer.certificate.subjectName,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + options.days * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: issuer.key,
    signingAlgorithm: issuer.algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      ...extensions,
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.certificate),
    ],
  });
  // The key first: a certificate without its key is useless, a key without its certificate is simply re-issued.
  await writeKey(keyPath, keys.privateKey);
  writeAtomically(certPath, certificate.toString('pem') + '\n', 0o644);
  const action = exists ? 'renewed' : 'created';
  files.push({ path: keyPath, action }, { path: certPath, action, sha256: fingerprint(certificate) });
}

async function writeKey(path: string, key: CryptoKey): Promise<void> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', key);
  writeAtomically(path, x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') + '\n', 0o600);
}

/** Temp file (created with its final mode, so a key is never readable by others) then rename. */
function writeAtomically(path: string, text: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode, flag: 'wx' });
  renameSync(tmp, path);
}

function fingerprint(certificate: x509.X509Certificate): string {
  return new NodeCertificate(Buffer.from(certificate.rawData)).fingerprint256;
}
