/**
 * When to try again after a failed HTTP send: the one home of the backoff and Retry-After rules that the shipper
 * (sending batches to a collector) and the collector (sending alert notifications to receivers) both follow.
 */

/** Retry-After waits up to this fraction longer, at random: many senders told "30 s" must not return together. */
export const RETRY_AFTER_JITTER = 0.2;

/**
 * Capped exponential backoff with full jitter: uniform in [0, min(cap, base * 2^attempt)). Full jitter spreads
 * the retries of many senders after a receiver restart instead of having them all return at the same instant.
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/**
 * The wait for a Retry-After of `ms`: at least what the receiver asked for (returning earlier only earns another
 * 429), plus 0–20 %, so that senders refused at the same moment come back spread out.
 */
export function retryAfterDelay(ms: number, random: () => number = Math.random): number {
  return ms + Math.floor(random() * ms * RETRY_AFTER_JITTER);
}

/**
 * Parses a Retry-After header (delay in seconds or an HTTP date) into milliseconds, at most `maxMs` (a
 * misconfigured proxy must not stall sending for hours); undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | undefined,
  maxMs: number,
  now: number = Date.now(),
): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, maxMs);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), maxMs);
}
