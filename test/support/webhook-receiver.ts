import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request the receiver got. */
export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** Date.now() when the body had arrived. */
  at: number;
}

/** How the receiver answers a request: a status and headers, or `hold` (no answer until the socket closes). */
export type Answer = { status: number; headers?: Record<string, string> } | 'hold';

/**
 * A real HTTP receiver for notifications (node:http on 127.0.0.1): it records every request, answers as told
 * (200 by default), can go down and come back on the same port, and can hold requests without answering.
 */
export class WebhookReceiver {
  readonly received: ReceivedRequest[] = [];
  /** Decides the answer to each request (after it is recorded); 200 unless replaced. */
  answer: (request: ReceivedRequest, index: number) => Answer = () => ({ status: 200 });
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly held = new Set<ServerResponse>();
  private constructor(private port: number) {}

  /** Starts on a free port (or `port`). */
  static async start(port = 0): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(port);
    await receiver.up();
    return receiver;
  }

  /** The URL of `path` on this receiver. */
  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Requests to one path, in arrival order. */
  at(path: string): ReceivedRequest[] {
    return this.received.filter((r) => r.path === path);
  }

  /** Listens (again) on the same port. */
  async up(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // kept as text
        }
        const request: ReceivedRequest = { path: req.url ?? '', headers: req.headers, body, at: Date.now() };
        this.received.push(request);
        const answer = this.answer(request, this.received.length - 1);
        if (answer === 'hold') {
          this.held.add(res);
          return;
        }
        res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        res.end('ok');
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and cuts every open connection: senders now get "connection refused". */
  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const res of this.held) res.destroy();
    this.held.clear();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Polls until `check` holds, or fails after `timeoutMs` saying what was received. */
  async until(
    what: string,
    check: (received: readonly ReceivedRequest[]) => boolean,
    timeoutMs = 30_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this.received)) {
      if (Date.now() > deadline) {
        const seen = this.received.map((r) => `${r.path} ${(r.body as { event?: string })?.event ?? ''}`);
        throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; received: ${JSON.stringify(seen)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    await this.down();
  }
}
