import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ClockSample, Heartbeat, HeartbeatAnswer } from '../protocol/heartbeat.js';
import type { IngestResult } from '../protocol/ingest-result.js';
import { MIN_TLS_VERSION, tlsFailure } from '../protocol/tls-failure.js';
import { BatchGzip } from './batch-gzip.js';
import type { NdjsonBatch } from './ndjson-batch.js';
import { parseRetryAfter } from './retry-policy.js';
import { ShipperError } from './shipper-error.js';

/** What the sender needs from the config. */
export interface SenderOptions {
  collectors: readonly string[];
  token: string;
  tls?: { ca?: string; cert?: string; key?: string };
  /** Connections per collector; one per batch in flight is enough with pipelining 1. */
  connections?: number;
  /** `gzip` (level 1, the default) or `none`: gzip saves bandwidth, none saves the shipper's CPU. */
  compression?: Compression;
  /** The collector answers only once events are durably stored, so the wait for headers is generous. */
  headersTimeoutMs?: number;
}

/** How batch bodies are sent. */
export type Compression = 'gzip' | 'none';

interface Target {
  url: string;
  https: boolean;
  hostname: string;
  port: number;
  path: string;
  heartbeatPath: string;
  /** Keep-alive connections to this collector, at most `connections` at a time. */
  agent: HttpAgent;
  /** Skipped until this time (ms) after a failure, so batches go to the collectors that are up. */
  downUntil: number;
}

/** How long connecting to a collector may take before it counts as down. */
const CONNECT_TIMEOUT_MS = 10_000;

/** How long a collector that failed is passed over while another one is up. */
const DOWN_COOLDOWN_MS = 5_000;

/** An HTTP answer, body read in full. */
interface Answer {
  statusCode: number;
  /** When the answer's headers arrived (ms since epoch, this host's clock). */
  receivedAtMs: number;
  retryAfter: string | undefined;
  text: string;
}

/** How a heartbeat went: `unsupported` is a collector without the endpoint (404: older than the shipper). */
export type HeartbeatOutcome = 'ok' | 'unsupported' | 'failed';

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

/** The collector's times in a heartbeat answer; undefined from a collector that answers 204 or something else. */
function heartbeatAnswer(text: string): HeartbeatAnswer | undefined {
  try {
    const v = JSON.parse(text) as Partial<HeartbeatAnswer>;
    return typeof v.received_at === 'string' && typeof v.replied_at === 'string'
      ? { received_at: v.received_at, replied_at: v.replied_at }
      : undefined;
  } catch {
    return undefined;
  }
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** A failed connection as a ShipperError: TLS failures need an operator, anything else may pass. */
function connectionError(url: string, err: unknown): ShipperError {
  const message = (err as Error).message;
  switch (tlsFailure(err)) {
    case 'untrusted':
      return new ShipperError(
        'SHIPPER_TLS_UNTRUSTED',
        `The certificate of collector ${url} is not trusted (${message}); nothing was sent. Check tls.ca.`,
      );
    case 'refused':
      return new ShipperError(
        'SHIPPER_TLS_REFUSED',
        `Collector ${url} refused the TLS handshake (${message}). Check tls.cert and tls.key against its client_ca.`,
      );
    default:
      return new ShipperError('SHIPPER_COLLECTOR_UNAVAILABLE', `Cannot reach collector ${url}: ${message}`, 503);
  }
}

/** The `error.code` of a collector's error answer, if the body is one. */
function errorCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** A short excerpt of an error body for log messages. */
function excerpt(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/**
 * POSTs batches to `/api/v1/ingest` over one keep-alive node:http agent per collector. Batches go round-robin to the
 * collectors that are up (load spread); one that fails with a connection error, 429 or 5xx is passed over for a
 * few seconds (failover). Errors are thrown as ShipperError with the code the retry policy acts on.
 */
export class Sender {
  private readonly targets: Target[];
  private next = 0;
  private readonly authorization: string;
  private readonly compression: Compression;
  /** How long a request may take in all (the collector answers once events are durably stored). */
  private readonly timeoutMs: number;
  /** Requests running now, so close() can let them finish. */
  private readonly running = new Set<Promise<unknown>>();
  /** Compresses batch bodies (compression gzip). */
  private readonly gzip: BatchGzip;

  constructor(options: SenderOptions) {
    this.authorization = `Bearer ${options.token}`;
    this.compression = options.compression ?? 'gzip';
    this.gzip = new BatchGzip(options.connections ?? 2);
    const tls = options.tls;
    const tlsOptions = {
      minVersion: MIN_TLS_VERSION,
      // Without `ca`, Node's built-in public CAs verify the collector; with it, only these CAs do.
      ...(tls?.ca ? { ca: readFileSync(tls.ca) } : {}),
      ...(tls?.cert ? { cert: readFileSync(tls.cert) } : {}),
      ...(tls?.key ? { key: readFileSync(tls.key) } : {}),
    };
    this.timeoutMs = options.headersTimeoutMs ?? 60_000;
    this.targets = options.collectors.map((url) => {
      const u = new URL(url);
      const base = u.pathname.replace(/\/+$/, '');
      const https = u.protocol === 'https:';
      const agentOptions = { keepAlive: true, maxSockets: options.connections ?? 2, keepAliveMsecs: 30_000 };
      return {
        url,
        https,
        hostname: u.hostname.replace(/^\[|\]$/g, ''),
        port: u.port ? Number(u.port) : https ? 443 : 80,
        path: `${base}/api/v1/ingest`,
        heartbeatPath: `${base}/api/v1/heartbeat`,
        downUntil: 0,
        agent: https ? new HttpsAgent({ ...agentOptions, ...tlsOptions }) : new HttpAgent(agentOptions),
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
  async sendBatch(batch: NdjsonBatch, signal?: AbortSignal): Promise<IngestResult> {
    if (this.compression === 'none') return this.sendBody(batch.body, signal);
    // Gzipped once: a batch from the batcher then holds only its gzipped form (sent again as it is on a retry).
    let gzipped = batch.gzipped;
    let owned = false;
    if (!gzipped) {
      gzipped = await this.gzip.gzip(batch.body);
      owned = !batch.holdGzipped(gzipped);
    }
    try {
      return await this.sendBody(gzipped.body, signal);
    } finally {
      if (owned) gzipped.release();
    }
  }

  /** POSTs an encoded batch body and reads the ingest result; throws ShipperError on any failure. */
  private async sendBody(body: Buffer, signal: AbortSignal | undefined): Promise<IngestResult> {
    const index = this.pick();
    const target = this.targets[index]!;
    let statusCode: number;
    let text: string;
    let retryAfter: string | undefined;
    try {
      const headers: OutgoingHttpHeaders =
        this.compression === 'gzip'
          ? { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip', authorization: this.authorization }
          : { 'content-type': 'application/x-ndjson', authorization: this.authorization };
      ({ statusCode, text, retryAfter } = await this.post(target, target.path, headers, body, this.timeoutMs, signal));
    } catch (err) {
      if (signal?.aborted) throw new ShipperError('SHIPPER_ABORTED', 'Sending was aborted because the shipper stops.');
      this.failover(index);
      throw connectionError(target.url, err);
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
    if (statusCode === 403 && errorCode(text)?.startsWith('TLS_CLIENT_CERTIFICATE_')) {
      throw new ShipperError('SHIPPER_TLS_REFUSED', `${what} Check tls.cert and tls.key against its client_ca.`, 403);
    }
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

  /**
   * POSTs a heartbeat to the next collector that is up (round-robin like batches); never throws (best effort). When
   * the collector answers with its receive and reply times, the exchange's four times come back as a clock sample
   * (t1 is taken as the last thing before sending, t4 as the first thing after the answer).
   */
  async sendHeartbeat(body: Omit<Heartbeat, 'sent_at'>): Promise<{ outcome: HeartbeatOutcome; sample?: ClockSample }> {
    const target = this.targets[this.pick()]!;
    try {
      const sentAt = new Date().toISOString();
      const res = await this.post(
        target,
        target.heartbeatPath,
        { 'content-type': 'application/json', authorization: this.authorization },
        Buffer.from(JSON.stringify({ ...body, sent_at: sentAt })),
        10_000,
      );
      const receivedAt = new Date(res.receivedAtMs).toISOString();
      if (res.statusCode === 404) return { outcome: 'unsupported' };
      if (res.statusCode < 200 || res.statusCode >= 300) return { outcome: 'failed' };
      const answer = heartbeatAnswer(res.text);
      if (!answer) return { outcome: 'ok' };
      return {
        outcome: 'ok',
        sample: {
          sent_at: sentAt,
          collector_received_at: answer.received_at,
          collector_replied_at: answer.replied_at,
          received_at: receivedAt,
        },
      };
    } catch {
      return { outcome: 'failed' };
    }
  }

  /**
   * POSTs `body` over the target's keep-alive agent and reads the whole answer. node:http rather than undici:
   * undici's pool (llhttp in WebAssembly, its own body buffering) took ~50 MB more peak memory at 1 MiB batches.
   */
  private post(
    target: Target,
    path: string,
    headers: OutgoingHttpHeaders,
    body: Buffer,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Answer> {
    const request = target.https ? httpsRequest : httpRequest;
    const answer = new Promise<Answer>((resolve, reject) => {
      const req = request({
        method: 'POST',
        hostname: target.hostname,
        port: target.port,
        path,
        agent: target.agent,
        headers: { ...headers, 'content-length': body.length },
        ...(signal ? { signal } : {}),
      });
      // One deadline for connecting, sending and the answer: a collector that hangs is treated as down.
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        reject(err);
      };
      req.on('response', (res) => {
        const receivedAtMs = Date.now();
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            statusCode: res.statusCode ?? 0,
            receivedAtMs,
            retryAfter: headerValue(res.headers['retry-after']),
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', fail);
        res.on('close', () => {
          if (!res.complete) fail(new Error('the connection closed in the middle of the answer'));
        });
      });
      // A collector that drops SYNs (firewall, dead host) is known to be down after 10 s, not after the deadline.
      req.on('socket', (socket) => {
        if (!socket.connecting) return;
        const connectTimer = setTimeout(
          () => req.destroy(new Error(`no connection within ${CONNECT_TIMEOUT_MS} ms`)),
          CONNECT_TIMEOUT_MS,
        );
        socket.once('connect', () => clearTimeout(connectTimer));
        socket.once('secureConnect', () => clearTimeout(connectTimer));
        socket.once('close', () => clearTimeout(connectTimer));
      });
      req.on('error', fail);
      req.end(body);
    });
    this.running.add(answer);
    const forget = (): void => void this.running.delete(answer);
    answer.then(forget, forget);
    return answer;
  }

  /** Closes every connection; `force` drops those with requests still running (after the stop deadline). */
  async close(force = false): Promise<void> {
    if (!force) await Promise.allSettled([...this.running]);
    for (const t of this.targets) t.agent.destroy();
    await this.gzip.close();
  }
}
