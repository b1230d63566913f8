import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect, type SecureVersion } from 'node:tls';

/** Files of a client's TLS identity; any may be left out. */
export interface ClientTlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
  maxVersion?: SecureVersion;
}

/** An HTTPS answer with the certificate the server presented. */
export interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  serverSha256: string;
}

function tlsOptions(files: ClientTlsFiles) {
  return {
    ...(files.ca ? { ca: readFileSync(files.ca) } : {}),
    ...(files.cert ? { cert: readFileSync(files.cert) } : {}),
    ...(files.key ? { key: readFileSync(files.key) } : {}),
    // An old client has to lower its own floor and security level first, or it refuses before the server can.
    ...(files.maxVersion
      ? { maxVersion: files.maxVersion, minVersion: 'TLSv1' as const, ciphers: 'DEFAULT@SECLEVEL=0' }
      : {}),
  };
}

/** One request on a fresh connection (no agent), so each call does its own handshake. */
export function httpsRequest(
  url: string,
  files: ClientTlsFiles,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: init.method ?? 'GET',
      headers: init.headers,
      agent: false,
      ...tlsOptions(files),
    });
    req.on('response', (res) => {
      const serverSha256 = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
          serverSha256,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The fingerprint of the certificate a TLS server presents to a new connection. */
export function servedCertificate(host: string, port: number, files: ClientTlsFiles): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, servername: undefined, ...tlsOptions(files) }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.on('error', reject);
  });
}
