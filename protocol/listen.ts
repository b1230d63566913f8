import type { Server } from 'node:net';
import { CodedError } from './coded-error.js';

/** Which part of logship failed to listen; it prefixes the error code (`COLLECTOR_LISTEN_IN_USE`). */
export type ListeningPart = 'COLLECTOR' | 'SHIPPER';

/** Why a server could not take its address, by the system's error code. */
const REASONS: Record<string, { suffix: string; says: string }> = {
  EADDRINUSE: { suffix: 'LISTEN_IN_USE', says: 'is in use (another process listens there)' },
  EACCES: { suffix: 'LISTEN_DENIED', says: 'may not be used by this user (ports below 1024 need privileges)' },
  EADDRNOTAVAIL: { suffix: 'LISTEN_ADDRESS_UNAVAILABLE', says: 'is not an address of this machine' },
  ENOTFOUND: { suffix: 'LISTEN_ADDRESS_UNAVAILABLE', says: 'names a host that does not resolve' },
};

/**
 * Starts `server` on host:port and resolves once it listens; a refused address rejects with a coded error naming
 * it (`COLLECTOR_LISTEN_IN_USE: 127.0.0.1:8080 is in use …`). Waiting for the callback alone is not enough:
 * Express 5's `app.listen` also calls it with the error, and a daemon that believes it listens while another
 * process holds its port sends its users (and shippers' tokens) to that process.
 */
export function listenOn(server: Server, host: string, port: number, part: ListeningPart): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => {
      const reason = REASONS[err.code ?? ''];
      const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
      reject(
        reason
          ? new CodedError(`${part}_${reason.suffix}`, `${address} ${reason.says}.`, 500, { address })
          : new CodedError(`${part}_LISTEN_FAILED`, `Cannot listen on ${address}: ${err.message}`, 500, { address }),
      );
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}
