import type { Command } from 'commander';
import type { ApiClient } from './api-client.js';

/** The connection flags of the commands that talk to a collector (`search`, `context`, `alert`). */
export interface ConnectionOptions {
  ca?: string;
  cert?: string;
  key?: string;
  allowInsecureHttp?: boolean;
}

/** Adds the connection flags to a command. */
export function withConnectionOptions(command: Command): Command {
  return command
    .option('--ca <file>', 'CA bundle that verifies the collector (default: $LOGSHIP_CA, else the public CAs)')
    .option('--cert <file>', 'client certificate for mutual TLS (default: $LOGSHIP_CERT)')
    .option('--key <file>', 'key of the client certificate (default: $LOGSHIP_KEY)')
    .option('--allow-insecure-http', 'send the token over plain http:// to another machine (trusted networks only)');
}

/**
 * The API client for LOGSHIP_COLLECTOR_URL and LOGSHIP_TOKEN with the connection flags (or LOGSHIP_CA, LOGSHIP_CERT,
 * LOGSHIP_KEY, LOGSHIP_ALLOW_INSECURE_HTTP). Loaded on demand: undici costs ~20 MB of memory, which
 * `logship shipper` must not carry.
 */
export async function collectorClient(opts: ConnectionOptions): Promise<ApiClient> {
  const { ApiClient } = await import('./api-client.js');
  const { clientDispatcher } = await import('./client-tls.js');
  const env = process.env;
  const baseUrl = env.LOGSHIP_COLLECTOR_URL ?? 'http://127.0.0.1:8080';
  const dispatcher = clientDispatcher(baseUrl, {
    ca: opts.ca || env.LOGSHIP_CA || undefined,
    cert: opts.cert || env.LOGSHIP_CERT || undefined,
    key: opts.key || env.LOGSHIP_KEY || undefined,
    allowInsecureHttp: opts.allowInsecureHttp ?? env.LOGSHIP_ALLOW_INSECURE_HTTP === 'true',
  });
  return new ApiClient(baseUrl, env.LOGSHIP_TOKEN, dispatcher);
}
