import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { Pool } from 'undici';
import type { Heartbeat } from '../protocol/heartbeat.js';
import type { IngestResult } from '../protocol/ingest-result.js';
import { parseRetryAfter } from './retry-policy.js';
import { ShipperError } from './shipper-error.js';

const gzip = promisify(gzipCallback);

/** What the sender needs from the config. */
export interface SenderOptions {
  collectors: readonly string[];
  token: string;
  tls?: { ca?: string; cert?: string; key?: string };
  /** Connections per collector; one per batch in flight is enough with pipelining 1. */
  connections?: number;
  /** The collector answers only once events are durably stored, so the wait for headers is generous. */
  headersTimeoutMs?: number;
}

/** A batch as the sender needs it: one serialized IngestEvent per element. */
export interface OutgoingBatch {
  readonly lines: readonly string[];
}

interface Target {
  url: string;
  path: string;
  heartbeatPath: string;
  pool: Pool;
  /** Skipped until this time (ms) after a failure, so batches go to the collectors that are up. */
  downUntil: number;
}

/** How long a collector that failed is passed over while another one is up. */
const DOWN_COOLDOWN_MS = 5_000;

/** How a heartbeat went: `unsupported` is a collector without the endpoint (404: older than the shipper). */
export type HeartbeatOutcome = 'ok' | 'unsupported' | 'failed';

/** Level 1: most of gzip's gain on repetitive log text at a fraction of the CPU of the default level 6. */
const GZIP_LEVEL = 1;

/** Builds the gzipped NDJSON body of a batch. */
export async function encodeBatch(lines: readonly string[]): Promise<Buffer> {
  return gzip(Buffer.from(lines.join('\n') + '\n', 'utf8'), { level: GZIP_LEVEL });
}

function isIngestResult(v: unknown): v is IngestResult {
  if (!v || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.accepted === 'number' &&
    typeof r.duplicates === 'number' &&
    typeof r.rejected === 'number' &&
    Array.isArray(r.errors)
  );
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** A short excerpt of an error body for log messages. */
function excerpt(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/**
 * POSTs batches to `/api/v1/ingest` over one keep-alive undici Pool per collector. Batches go round-robin to the
 * collectors that are up (load spread); one that fails with a connection error, 429 or 5xx is passed over for a
 * few seconds (failover). Errors are thrown as ShipperError with the code the retry policy acts on.
 */
export class Sender {
  private readonly targets: Target[];
  private next = 0;
  private readonly authorization: string;

  constructor(options: SenderOptions) {
    this.authorization = `Bearer ${options.token}`;
    const tls = options.tls;
    const connect = {
      timeout: 10_000,
      ...(tls?.ca ? { ca: readFileSync(tls.ca) } : {}),
      ...(tls?.cert ? { cert: readFileSync(tls.cert) } : {}),
      ...(tls?.key ? { key: readFileSync(tls.key) } : {}),
    };
    const headersTimeout = options.headersTimeoutMs ?? 60_000;
    this.targets = options.collectors.map((url) => {
      const u = new URL(url);
      const base = u.pathname.replace(/\/+$/, '');
      return {
        url,
        path: `${base}/api/v1/ingest`,
        heartbeatPath: `${base}/api/v1/heartbeat`,
        downUntil: 0,
        pool: new Pool(u.origin, {
          connections: options.connections ?? 2,
          pipelining: 1,
          keepAliveTimeout: 30_000,
          headersTimeout,
          bodyTimeout: headersTimeout,
          connect,
        }),
      };
    });
    if (this.targets.length === 0) throw new Error('Sender needs at least one collector URL');
  }

  /** The collector that the next batch goes to. */
  get currentCollector(): string {
    return this.targets[this.choose(Date.now())]!.url;
  }

  /** The next collector that is up in round-robin order; when all are down, the one that failed longest ago. */
  private choose(now: number): number {
    const n = this.targets.length;
    for (let i = 0; i < n; i++) {
      const index = (this.next + i) % n;
      if (this.targets[index]!.downUntil <= now) return index;
    }
    let best = 0;
    for (let i = 1; i < n; i++) if (this.targets[i]!.downUntil < this.targets[best]!.downUntil) best = i;
    return best;
  }

  private pick(): number {
    const index = this.choose(Date.now());
    this.next = (index + 1) % this.targets.length;
    return index;
  }

  /** Sends one batch and resolves with the collector's ingest result; throws ShipperError on any failure. */
  async sendBatch(batch: OutgoingBatch, signal?: AbortSignal): Promise<IngestResult> {
    const body = await encodeBatch(batch.lines);
    const index = this.pick();
    const target = this.targets[index]!;
    let statusCode: number;
    let text: string;
    let retryAfter: string | undefined;
    try {
      const res = await target.pool.request({
        method: 'POST',
        path: target.path,
        headers: {
          'content-type': 'application/x-ndjson',
          'content-encoding': 'gzip',
          authorization: this.authorization,
        },
        body,
        signal,
      });
      statusCode = res.statusCode;
      retryAfter = headerValue(res.headers['retry-after']);
      // Always read the body: an unread body keeps the keep-alive connection busy.
      text = await res.body.text();
    } catch (err) {
      if (signal?.aborted) throw new ShipperError('SHIPPER_ABORTED', 'Sending was aborted because the shipper stops.');
      this.failover(index);
      throw new ShipperError(
        'SHIPPER_COLLECTOR_UNAVAILABLE',
        `Cannot reach collector ${target.url}: ${(err as Error).message}`,
        503,
      );
    }
    if (statusCode === 200) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (!isIngestResult(parsed)) {
        throw new ShipperError(
          'SHIPPER_BAD_RESPONSE',
          `Collector ${target.url} answered 200 without an ingest result: ${excerpt(text)}`,
          502,
        );
      }
      return parsed;
    }
    const what = `Collector ${target.url} answered ${statusCode}: ${excerpt(text)}`;
    if (statusCode === 401 || statusCode === 403) throw new ShipperError('SHIPPER_COLLECTOR_AUTH', what, statusCode);
    if (statusCode === 400 || statusCode === 413) throw new ShipperError('SHIPPER_BATCH_REJECTED', what, statusCode);
    if (statusCode === 429 || statusCode >= 500) {
      this.failover(index);
      throw new ShipperError('SHIPPER_COLLECTOR_UNAVAILABLE', what, statusCode, parseRetryAfter(retryAfter));
    }
    throw new ShipperError('SHIPPER_COLLECTOR_MISCONFIGURED', what, statusCode);
  }

  /** Passes over a failed collector for a while; with one collector this changes nothing. */
  private failover(failedIndex: number): void {
    if (this.targets.length > 1) this.targets[failedIndex]!.downUntil = Date.now() + DOWN_COOLDOWN_MS;
  }

  /** POSTs a heartbeat to the next collector that is up (round-robin like batches); never throws (best effort). */
  async sendHeartbeat(body: Heartbeat): Promise<HeartbeatOutcome> {
    const target = this.targets[this.pick()]!;
    try {
      const res = await target.pool.request({
        method: 'POST',
        path: target.heartbeatPath,
        headers: { 'content-type': 'application/json', authorization: this.authorization },
        body: JSON.stringify(body),
        headersTimeout: 10_000,
      });
      await res.body.dump();
      if (res.statusCode === 404) return 'unsupported';
      return res.statusCode >= 200 && res.statusCode < 300 ? 'ok' : 'failed';
    } catch {
      return 'failed';
    }
  }

  /** Closes every pool; `force` drops connections with requests still running (after the stop deadline). */
  async close(force = false): Promise<void> {
    await Promise.all(this.targets.map((t) => (force ? t.pool.destroy() : t.pool.close())));
  }
}
