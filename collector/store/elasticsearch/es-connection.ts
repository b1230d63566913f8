import { readFileSync } from 'node:fs';
import type { Client } from '@elastic/elasticsearch';
import { ConfigError } from '../../../config/config-error.js';
import type { CollectorConfig } from '../../config.js';

/** How to reach Elasticsearch: its nodes, the credentials and the TLS trust, with secrets read from their files. */
export interface EsConnection {
  nodes: readonly string[];
  auth?: { username: string; password: string } | { apiKey: string };
  tls?: { ca?: Buffer; verify: boolean; cert?: Buffer; key?: Buffer };
}

type ClientOptions = ConstructorParameters<typeof Client>[0];
type EsConfig = NonNullable<CollectorConfig['elasticsearch']>;

/**
 * The connection an `elasticsearch` config section describes. `*_file` secrets and TLS files are read here, once,
 * so a missing or unreadable file is a config error naming its key rather than a failure at the first request.
 */
export function esConnection(es: EsConfig): EsConnection {
  const problems: string[] = [];
  const read = (key: string, path: string | undefined, secret: boolean): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      const bytes = readFileSync(path);
      if (bytes.length === 0) problems.push(`elasticsearch.${key}: ${path} is empty`);
      return bytes;
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      problems.push(`elasticsearch.${key}: cannot read ${secret ? 'the secret file' : 'the file'} ${path} (${reason})`);
      return undefined;
    }
  };
  // Secret files are usually written by `echo` or a secrets manager: a final newline is not part of the secret.
  const text = (bytes: Buffer | undefined) => bytes?.toString('utf8').replace(/\r?\n$/, '');
  const username = es.username ?? text(read('username_file', es.username_file, true));
  const password = es.password ?? text(read('password_file', es.password_file, true));
  const apiKey = es.api_key ?? text(read('api_key_file', es.api_key_file, true));
  const ca = read('tls.ca', es.tls.ca, false);
  const cert = read('tls.cert', es.tls.cert, false);
  const key = read('tls.key', es.tls.key, true);
  if (problems.length) throw new ConfigError('The Elasticsearch connection settings are invalid.', problems);
  const connection: EsConnection = { nodes: es.nodes ?? [es.url!] };
  if (username !== undefined && password !== undefined) connection.auth = { username, password };
  else if (apiKey !== undefined) connection.auth = { apiKey };
  if (connection.nodes.some((node) => node.startsWith('https:')))
    connection.tls = { verify: es.tls.verify, ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) };
  return connection;
}

/** The client options for a connection: several nodes share the load, and a request failing on one goes to the next. */
export function esClientOptions(connection: EsConnection, requestTimeoutMs: number): ClientOptions {
  const { tls } = connection;
  return {
    nodes: [...connection.nodes],
    requestTimeout: requestTimeoutMs,
    // One node: retrying is the sender's job (it holds the data), a hidden retry would only add latency. Several:
    // a request that could not reach one node is sent to the next (bulk writes are `create` by id, so a retry that
    // follows a write which did land answers "duplicate", never stores twice).
    maxRetries: connection.nodes.length - 1,
    ...(connection.auth && { auth: connection.auth }),
    ...(tls && {
      tls: {
        rejectUnauthorized: tls.verify,
        ...(tls.ca && { ca: tls.ca }),
        ...(tls.cert && { cert: tls.cert }),
        ...(tls.key && { key: tls.key }),
      },
    }),
  };
}

/** A node as it may appear in logs, errors and metric labels: scheme, host and port only. */
export function nodeLabel(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}
