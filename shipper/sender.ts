import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { Pool } from 'undici';
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
  pool: Pool;
}

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
 * POSTs batches to `/api/v1/ingest` over one keep-alive undici Pool per collector. Sends go to one collector at a
 * time and move to the next on a connection error, 429 or 5xx (failover); errors are thrown as ShipperError with
 * the code the retry policy acts on.
 */
export class Sender {
  private readonly targets: Target[];
  private current = 0;
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
      return {
        url,
        path: `${u.pathname.replace(/\/+$/, '')}/api/v1/ingest`,
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
    return this.targets[this.current]!.url;
  }

  /** Sends one batch and resolves with the collector's ingest result; throws ShipperError on any failure. */
  async sendBatch(batch: OutgoingBatch, signal?: AbortSignal): Promise<IngestResult> {
    const body = await encodeBatch(batch.lines);
    const index = this.current;
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

  /** Moves on to the next collector, unless a concurrent failure already did. */
  private failover(failedIndex: number): void {
    if (this.targets.length > 1 && this.current === failedIndex) {
      this.current = (failedIndex + 1) % this.targets.length;
    }
  }

  /** Closes every pool; `force` drops connections with requests still running (after the stop deadline). */
  async close(force = false): Promise<void> {
    await Promise.all(this.targets.map((t) => (force ? t.pool.destroy() : t.pool.close())));
  }
}
