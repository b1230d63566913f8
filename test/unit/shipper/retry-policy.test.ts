import {
  backoffDelay,
  decideRetry,
  parseRetryAfter,
  RETRY_AFTER_MAX_MS,
  RETRY_CAP_MS,
  retryAfterDelay,
} from '../../../shipper/retry-policy.js';
import { ShipperError } from '../../../shipper/shipper-error.js';

describe('retry policy', () => {
  it('doubles the backoff ceiling from 200 ms and caps it at 30 s', () => {
    const half = () => 0.5;
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 20].map((a) => backoffDelay(a, half))).toEqual([
      100, 200, 400, 800, 1600, 3200, 6400, 12800, 15000, 15000, 15000,
    ]);
  });

  it('keeps full jitter within [0, ceiling)', () => {
    expect(backoffDelay(3, () => 0)).toBe(0);
    expect(backoffDelay(3, () => 0.999999)).toBe(1599);
    expect(backoffDelay(50, () => 0.999999)).toBe(29_999);
    let seed = 42;
    const lcg = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(RETRY_CAP_MS, 200 * 2 ** attempt);
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(attempt, lcg);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
      }
    }
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-26T10:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('Thu, 26 Nov 2026 10:00:12 GMT', now)).toBe(12_000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 09:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('86400', now)).toBe(RETRY_AFTER_MAX_MS);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('honours Retry-After on 503 and 429 instead of the backoff', () => {
    const unavailable = new ShipperError('SHIPPER_COLLECTOR_UNAVAILABLE', '503', 503, 3000);
    expect(decideRetry(unavailable, 9, () => 0)).toEqual({ kind: 'retry', delayMs: 3000, loud: false });
    expect(decideRetry(unavailable, 9, () => 0.5)).toEqual({ kind: 'retry', delayMs: 3300, loud: false });
    const noHeader = new ShipperError('SHIPPER_COLLECTOR_UNAVAILABLE', 'ECONNREFUSED', 503);
    expect(decideRetry(noHeader, 2, () => 0.5)).toEqual({ kind: 'retry', delayMs: 400, loud: false });
  });

  it('adds 0-20 % jitter to Retry-After, never returning earlier than asked', () => {
    expect(retryAfterDelay(10_000, () => 0)).toBe(10_000);
    expect(retryAfterDelay(10_000, () => 0.999999)).toBe(11_999);
    expect(retryAfterDelay(0, () => 0.7)).toBe(0);
    let seed = 7;
    const lcg = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const delays = Array.from({ length: 1000 }, () => retryAfterDelay(30_000, lcg));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(30_000);
    expect(Math.max(...delays)).toBeLessThan(36_000);
    // Spread out, not all at one instant: the 1000 waits cover most of the 6 s window.
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(5_000);
    expect(new Set(delays.map((d) => Math.floor(d / 1000))).size).toBe(6);
  });

  it('retries auth failures slowly and loudly, splits refused batches, and rethrows programming errors', () => {
    expect(decideRetry(new ShipperError('SHIPPER_COLLECTOR_AUTH', '401', 401), 0)).toEqual({
      kind: 'retry',
      delayMs: 30_000,
      loud: true,
    });
    expect(decideRetry(new ShipperError('SHIPPER_BATCH_REJECTED', '413', 413), 0)).toEqual({ kind: 'split' });
    expect(decideRetry(new ShipperError('SHIPPER_ABORTED', 'stop'), 0)).toEqual({ kind: 'abort' });
    expect(() => decideRetry(new TypeError('x is undefined'), 0)).toThrow(TypeError);
  });
});
