import { readFileSync } from 'node:fs';
import { Agent } from 'undici';
import { ConfigError } from '../config/config-error.js';
import { plainHttpProblem } from '../config/network-address.js';
import { CodedError } from '../protocol/coded-error.js';
import { MIN_TLS_VERSION, tlsFailure } from '../protocol/tls-failure.js';

/** How `logship search` reaches a collector over TLS: flags, or LOGSHIP_CA / LOGSHIP_CERT / LOGSHIP_KEY. */
export interface ClientTlsOptions {
  /** CA bundle that verifies the collector; without it, Node's built-in public CAs do. */
  ca?: string | undefined;
  /** Client certificate and key for a collector with mutual TLS. */
  cert?: string | undefined;
  key?: string | undefined;
  /** Lets the token go over plain http:// to another machine. */
  allowInsecureHttp?: boolean | undefined;
}

function readOption(option: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${option}: cannot read ${path}: ${(err as Error).message}`);
  }
}

/**
 * The undici dispatcher for `baseUrl`, after refusing a token over plain HTTP to another machine (exit 2, as the
 * shipper does at start-up). Undefined when the default dispatcher fits (no TLS options).
 */
export function clientDispatcher(baseUrl: string, options: ClientTlsOptions): Agent | undefined {
  const problem = options.allowInsecureHttp ? undefined : plainHttpProblem(baseUrl);
  if (problem) {
    throw new ConfigError(
      'logship search refuses to send its token over plain HTTP to another machine.',
      [`LOGSHIP_COLLECTOR_URL: ${problem}; use https:// or pass --allow-insecure-http`],
      'SEARCH_INSECURE_COLLECTOR',
    );
  }
  if ((options.cert === undefined) !== (options.key === undefined)) {
    throw new ConfigError('--cert and --key (LOGSHIP_CERT, LOGSHIP_KEY) go together.');
  }
  if (!options.ca && !options.cert) return undefined;
  return new Agent({
    connect: {
      minVersion: MIN_TLS_VERSION,
      ...(options.ca ? { ca: readOption('--ca', options.ca) } : {}),
      ...(options.cert ? { cert: readOption('--cert', options.cert) } : {}),
      ...(options.key ? { key: readOption('--key', options.key) } : {}),
    },
  });
}

/** A TLS failure of a request as a coded error that ends the command, or undefined for other errors. */
export function tlsError(err: unknown, baseUrl: string): CodedError | undefined {
  const kind = tlsFailure(err) ?? tlsFailure((err as { cause?: unknown } | null)?.cause);
  const detail = (err as Error).message;
  if (kind === 'untrusted') {
    return new CodedError(
      'SEARCH_TLS_UNTRUSTED',
      `The certificate of ${baseUrl} is not trusted (${detail}); nothing was sent. Pass --ca or set LOGSHIP_CA.`,
    );
  }
  if (kind === 'refused') {
    return new CodedError(
      'SEARCH_TLS_REFUSED',
      `${baseUrl} refused the TLS handshake (${detail}); pass a client certificate with --cert and --key.`,
    );
  }
  return undefined;
}
