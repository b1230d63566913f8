import type { Command } from 'commander';
import type { ApiClient } from './api-client.js';

/** How a CLI command reaches the collector: flags, else LOGSHIP_CA / LOGSHIP_CERT / LOGSHIP_KEY. */
export interface ConnectionOptions {
  ca?: string;
  cert?: string;
  key?: string;
  allowInsecureHttp?: boolean;
}

/** Adds the TLS options every command that talks to the collector API takes. */
export function addConnectionOptions(command: Command): Command {
  return command
    .option('--ca <file>', 'CA bundle that verifies the collector (default: $LOGSHIP_CA, else the public CAs)')
    .option('--cert <file>', 'client certificate for mutual TLS (default: $LOGSHIP_CERT)')
    .option('--key <file>', 'key of the client certificate (default: $LOGSHIP_KEY)')
    .option('--allow-insecure-http', 'send the token over plain http:// to another machine (trusted networks only)');
}

/** A client of the collector at LOGSHIP_COLLECTOR_URL with LOGSHIP_TOKEN and the command's TLS options. */
export async function collectorClient(opts: ConnectionOptions): Promise<ApiClient> {
  // Loaded here, not at the top: undici costs ~20 MB of memory, which `logship shipper` must not carry.
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
