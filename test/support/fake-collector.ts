import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { IngestEvent } from '../../protocol/event.js';
import type { Heartbeat } from '../../protocol/heartbeat.js';
import type { IngestResult, LineError } from '../../protocol/ingest-result.js';

/** A failure the fake collector answers instead of storing. */
export interface InjectedFailure {
  status: number;
  /** Sent as `Retry-After` (seconds) when set. */
  retryAfter?: number;
}

/**
 * A stand-in for the collector's `POST /api/v1/ingest` for shipper tests: gunzips, parses NDJSON, stores events
 * by id and counts duplicates, like the real idempotent ingest. It can answer failures or be taken down.
 */
export interface FakeCollector {
  readonly url: string;
  /** Stored events by id (first copy wins). */
  readonly events: Map<string, IngestEvent>;
  /** Heartbeats received (only with `heartbeat: true`; otherwise the endpoint answers 404 like an old collector). */
  readonly heartbeats: Heartbeat[];
  /** Counters since start (or the last resetCounters()). */
  readonly counters: { requests: number; received: number; duplicates: number; failuresAnswered: number };
  /** Content-Encoding of each ingest request (`identity` when absent). */
  readonly encodings: string[];
  /** Answers the next `count` requests with `failure` instead of storing them. */
  failNext(count: number, failure: InjectedFailure): void;
  /** Reads ingest requests but answers none until release(): the shipper's batches stay in flight. */
  hold(): void;
  /** Answers the held requests (and every later one) as usual. */
  release(): void;
  /** Ingest requests read and waiting for release(). */
  readonly held: number;
  /** Stops listening and drops open connections: the shipper sees connection errors. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** Resolves once `predicate` holds, polling every 20 ms; rejects after `timeoutMs` with `what` in the message. */
  waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Starts a fake collector on 127.0.0.1 (a free port); `token` is the only Bearer token it accepts. */
export async function startFakeCollector(
  options: { token?: string; heartbeat?: boolean } = {},
): Promise<FakeCollector> {
  const token = options.token ?? 'test-token';
  const events = new Map<string, IngestEvent>();
  const heartbeats: Heartbeat[] = [];
  const counters = { requests: 0, received: 0, duplicates: 0, failuresAnswered: 0 };
  const encodings: string[] = [];
  const failures: InjectedFailure[] = [];
  let holding = false;
  let heldCount = 0;
  const waiting: (() => void)[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (options.heartbeat && req.method === 'POST' && req.url === '/api/v1/heartbeat') {
      if (req.headers.authorization !== `Bearer ${token}`) {
        json(res, 401, { error: { code: 'AUTH_INVALID_TOKEN', message: 'Bad token.' } });
        return;
      }
      heartbeats.push(JSON.parse((await readBody(req)).toString('utf8')) as Heartbeat);
      res.writeHead(204).end();
      return;
    }
    if (req.method !== 'POST' || req.url !== '/api/v1/ingest') {
      json(res, 404, { error: { code: 'NOT_FOUND', message: 'No such endpoint.' } });
      return;
    }
    counters.requests++;
    if (req.headers.authorization !== `Bearer ${token}`) {
      json(res, 401, { error: { code: 'AUTH_INVALID_TOKEN', message: 'Bad token.' } });
      return;
    }
    const raw = await readBody(req);
    if (holding) {
      heldCount++;
      await new Promise<void>((resolve) => waiting.push(resolve));
      heldCount--;
    }
    const failure = failures.shift();
    if (failure) {
      counters.failuresAnswered++;
      const headers: Record<string, string> =
        failure.retryAfter === undefined ? {} : { 'retry-after': String(failure.retryAfter) };
      json(res, failure.status, { error: { code: 'INJECTED', message: 'Injected failure.' } }, headers);
      return;
    }
    if (req.headers['content-type'] !== 'application/x-ndjson') {
      json(res, 415, { error: { code: 'INGEST_CONTENT_TYPE', message: 'Expected application/x-ndjson.' } });
      return;
    }
    encodings.push(req.headers['content-encoding'] ?? 'identity');
    const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
    const result: IngestResult = { accepted: 0, duplicates: 0, rejected: 0, errors: [] };
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === '') continue;
      let event: IngestEvent;
      try {
        event = JSON.parse(line) as IngestEvent;
      } catch {
        const error: LineError = { line: i + 1, code: 'INGEST_BAD_JSON', reason: 'not JSON' };
        result.rejected++;
        result.errors.push(error);
        continue;
      }
      counters.received++;
      const id = event.id ?? `line-${counters.received}`;
      if (events.has(id)) {
        counters.duplicates++;
        result.duplicates++;
      } else {
        events.set(id, event);
        result.accepted++;
      }
    }
    json(res, 200, result);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => json(res, 500, { error: { code: 'FAKE', message: String(err) } }));
  });
  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  let listening = true;

  const stopListening = (): Promise<void> =>
    new Promise((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
      server.closeAllConnections();
    });

  return {
    url: `http://127.0.0.1:${port}`,
    events,
    heartbeats,
    counters,
    encodings,
    failNext(count, failure) {
      for (let i = 0; i < count; i++) failures.push(failure);
    },
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const resolve of waiting.splice(0)) resolve();
    },
    get held() {
      return heldCount;
    },
    down: stopListening,
    async up() {
      if (listening) return;
      await listen(port);
      listening = true;
    },
    async waitFor(predicate, timeoutMs, what) {
      const until = Date.now() + timeoutMs;
      while (!(await predicate())) {
        if (Date.now() > until) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: stopListening,
  };
}
