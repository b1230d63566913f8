import { Agent, request } from 'undici';
import type { AlertNotification } from '../../protocol/alert-notification.js';
import type { StoredNotifier } from '../../protocol/alert-rule.js';
import { parseRetryAfter } from '../../protocol/retry-timing.js';
import { requestBody } from './alert-payloads.js';
import { guardedLookup, isAllowedUrl, LINK_LOCAL_REFUSED, linkLocalLiteral } from './webhook-url.js';

/** What one attempt came to. */
export type SendOutcome =
  | { kind: 'delivered'; status: number }
  /** Worth trying again later: no answer, or 5xx/408/425/429 (with the receiver's Retry-After, if any). */
  | { kind: 'retry'; reason: 'http_unavailable' | 'network'; detail: string; retryAfterMs?: number }
  /** Never worth repeating: another 4xx, or a URL the collector may not call. */
  | { kind: 'drop'; reason: 'rejected' | 'not_allowed'; detail: string };

export interface WebhookSenderOptions {
  timeoutMs: number;
  allowedUrls: readonly string[];
  /** The longest Retry-After honoured (longer ones are cut to it). */
  maxRetryAfterMs: number;
  userAgent: string;
}

/** Answers worth a retry: the receiver is down, overloaded, or asked to come back. */
const RETRYABLE = new Set([408, 425, 429]);

/**
 * Posts notifications: JSON, the idempotency key also as a header, no redirect followed (a 3xx is a refusal), the
 * answer's body read and dropped, every request bounded by `timeoutMs` from connect to the last byte. Error
 * details name the status or the error code, never the URL (its path may be a secret).
 */
export class WebhookSender {
  private readonly agent: Agent;

  constructor(private readonly options: WebhookSenderOptions) {
    this.agent = new Agent({ connect: { lookup: guardedLookup, timeout: options.timeoutMs }, keepAliveTimeout: 4000 });
  }

  async send(notifier: StoredNotifier, notification: AlertNotification): Promise<SendOutcome> {
    if (!isAllowedUrl(notifier.url, this.options.allowedUrls)) {
      return { kind: 'drop', reason: 'not_allowed', detail: 'the URL is outside alerts.delivery.allowed_urls' };
    }
    if (linkLocalLiteral(notifier.url)) {
      return { kind: 'drop', reason: 'not_allowed', detail: 'the URL names a link-local address' };
    }
    try {
      const res = await request(notifier.url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: {
          'content-type': 'application/json',
          'user-agent': this.options.userAgent,
          'idempotency-key': notification.idempotency_key,
        },
        body: requestBody(notifier.type, notification),
        // undici's request never follows a redirect: a 3xx ends here as a refusal, and no other host is called.
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      const status = res.statusCode;
      if (status >= 200 && status < 300) return { kind: 'delivered', status };
      if (status >= 500 || RETRYABLE.has(status)) {
        const header = res.headers['retry-after'];
        const retryAfterMs = parseRetryAfter(Array.isArray(header) ? header[0] : header, this.options.maxRetryAfterMs);
        return {
          kind: 'retry',
          reason: 'http_unavailable',
          detail: `HTTP ${status}`,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        };
      }
      return { kind: 'drop', reason: 'rejected', detail: `HTTP ${status}` };
    } catch (err) {
      const code = errorCode(err);
      if (code === LINK_LOCAL_REFUSED) {
        return { kind: 'drop', reason: 'not_allowed', detail: 'the host resolves to a link-local address' };
      }
      return { kind: 'retry', reason: 'network', detail: code };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** An error's code (ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT, TimeoutError…), looked for along its causes. */
function errorCode(err: unknown): string {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const name = (e as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'AbortError') return 'timeout';
  }
  return 'network error';
}
