import { errors } from '@elastic/elasticsearch';
import { StoreUnavailableError } from '../store-errors.js';
import { nodeLabel } from './es-connection.js';

/**
 * Why the collector cannot use Elasticsearch now. At start-up, every code but ES_UNREACHABLE and ES_CLUSTER_RED
 * stops the collector (a setting must change); later, each answers 503 STORE_UNAVAILABLE with `store_error` naming
 * it, so shippers keep their data and retry, and `/readyz` says why. docs/error-codes.md lists them.
 */
export type EsProblemCode =
  | 'ES_UNREACHABLE'
  | 'ES_TLS_UNTRUSTED'
  | 'ES_TLS_FAILED'
  | 'ES_AUTH_FAILED'
  | 'ES_PRIVILEGES_MISSING'
  | 'ES_CLUSTER_RED';

/** Problems that waiting does not cure: the operator must change a certificate, a credential or a role. */
export const SETUP_PROBLEMS: ReadonlySet<EsProblemCode> = new Set([
  'ES_TLS_UNTRUSTED',
  'ES_TLS_FAILED',
  'ES_AUTH_FAILED',
  'ES_PRIVILEGES_MISSING',
]);

/** Elasticsearch cannot be used now, for a coded reason. */
export class EsStoreError extends StoreUnavailableError {
  constructor(
    readonly problem: EsProblemCode,
    message: string,
  ) {
    super(message, problem === 'ES_UNREACHABLE' || problem === 'ES_CLUSTER_RED' ? 5 : 30);
    this.details.store_error = problem;
  }
}

/** Node.js's words for a certificate it does not trust (unknown CA, self-signed, expired, wrong name). */
const UNTRUSTED =
  /unable to verify|self[- ]signed certificate|unable to get (local )?issuer|certificate has expired|certificate is not yet valid|does not match certificate|altnames|CERT_/i;
/** A TLS exchange that failed for another reason: HTTPS to a plain-HTTP port, a client certificate refused. */
const TLS_FAILED = /SSL routines|wrong version number|handshake failure|alert|tlsv1|EPROTO/i;

/**
 * The coded problem behind a failed Elasticsearch request, or undefined for an error that is not about reaching
 * or entering the cluster (a bad query, a mapping conflict: those keep their own handling).
 */
export function classifyEsError(err: unknown, credentials?: EsCredentialKind): EsStoreError | undefined {
  if (err instanceof EsStoreError) return err;
  if (!(err instanceof errors.ElasticsearchClientError)) return undefined;
  // The node the request went to, when the client got that far.
  const meta = (err as { meta?: { meta?: RequestMeta } }).meta?.meta;
  // A URL or its text, depending on the client's version.
  const node = meta?.connection?.url ? nodeLabel(String(meta.connection.url)) : undefined;
  const where = node ? `Elasticsearch at ${node}` : 'Elasticsearch';
  if (
    err instanceof errors.ConnectionError ||
    err instanceof errors.NoLivingConnectionsError ||
    err instanceof errors.TimeoutError
  ) {
    const reason = err.message.trim();
    if (err instanceof errors.ConnectionError && UNTRUSTED.test(reason))
      return new EsStoreError(
        'ES_TLS_UNTRUSTED',
        `${where} presented a certificate this collector does not trust (${reason}); set elasticsearch.tls.ca to the CA that signed it.`,
      );
    if (err instanceof errors.ConnectionError && TLS_FAILED.test(reason)) {
      const hint = /wrong version number/i.test(reason) ? ' The node speaks plain HTTP: use an http:// URL.' : '';
      return new EsStoreError('ES_TLS_FAILED', `The TLS connection to ${where} failed (${reason}).${hint}`);
    }
    const plain = node?.startsWith('http:');
    const hint =
      plain && /other side closed|socket hang up|ECONNRESET/i.test(reason)
        ? ' If the node serves HTTPS, use an https:// URL.'
        : '';
    return new EsStoreError('ES_UNREACHABLE', `${where} is unreachable: ${reason}.${hint}`);
  }
  if (err instanceof errors.ResponseError && err.statusCode === 401) {
    if (credentials === 'none')
      return new EsStoreError(
        'ES_AUTH_FAILED',
        `${where} asks for credentials (401): ${securityReason(err)}. Set elasticsearch.username + password(_file) or api_key(_file).`,
      );
    return new EsStoreError(
      'ES_AUTH_FAILED',
      `${where} refused the configured ${credentials ?? 'credentials'} (401): ${securityReason(err)}. Check elasticsearch.username + password(_file) or api_key(_file).`,
    );
  }
  if (err instanceof errors.ResponseError && err.statusCode === 403)
    return new EsStoreError(
      'ES_PRIVILEGES_MISSING',
      `${where} refused an action for lack of privileges (403): ${securityReason(err)}.`,
    );
  return undefined;
}

/** Which credentials the collector sends, to say which ones a 401 refused (never the secret itself). */
export type EsCredentialKind = 'user and password' | 'API key' | 'client certificate' | 'none';

/** What the client tells about the request a failure belongs to. */
interface RequestMeta {
  connection?: { url?: unknown } | null;
}

/** The one-line reason Elasticsearch gave, without the "Root causes" repetition of the client's message. */
function securityReason(err: errors.ResponseError): string {
  const body = err.meta.body as { error?: { reason?: unknown } } | undefined;
  const reason = body?.error?.reason;
  return typeof reason === 'string' ? reason : err.message.split('\n')[0]!;
}
