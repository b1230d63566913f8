import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Transform } from 'node:stream';

type Mode = 'open' | 'cut' | 'stalled';

/**
 * A TCP proxy in front of a real server, so a test can take that server away without stopping it for the rest of
 * the suite: `cut()` resets every connection and refuses new ones (the server is down), `stall()` accepts and holds
 * connections without passing a byte (the server hangs), `restore()` forwards again. `throttle()` passes what clients
 * send at a fixed rate over all connections (a slow link), until `unthrottle()`.
 */
export class TcpProxy {
  private server?: Server;
  private mode: Mode = 'open';
  private readonly sockets = new Set<Socket>();
  /** Bytes per second from clients to the server while throttled, and when the link is free again (ms). */
  private rate: number | null = null;
  private linkFreeAt = 0;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    await this.listen();
  }

  /** The server is down: open connections are reset, new ones refused (nothing listens on the port). */
  async cut(): Promise<void> {
    this.mode = 'cut';
    this.dropAll();
    await this.closeListener();
  }

  /** The server hangs: connections are accepted and then nothing comes back. */
  async stall(): Promise<void> {
    this.mode = 'stalled';
    this.dropAll();
    if (!this.server) await this.listen();
  }

  async restore(): Promise<void> {
    this.mode = 'open';
    this.dropAll();
    if (!this.server) await this.listen();
  }

  /** From now on, client bytes pass at `bytesPerSecond`, shared by all connections (open ones too). */
  throttle(bytesPerSecond: number): void {
    this.rate = bytesPerSecond;
  }

  /** Client bytes pass at full speed again; open connections stay. */
  unthrottle(): void {
    this.rate = null;
  }

  async stop(): Promise<void> {
    this.dropAll();
    await this.closeListener();
  }

  private listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      // The same port every time: the collector under test keeps its configured URL.
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private closeListener(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.mode === 'stalled') {
      // Read and drop what the client sends, answer nothing.
      client.resume();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    this.track(upstream);
    client.pipe(this.slowLink()).pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once('close', close);
    upstream.once('close', close);
    client.on('error', close);
    upstream.on('error', close);
  }

  /** Delays each chunk for its share of the link while throttled (in slices, so a large chunk trickles). */
  private slowLink(): Transform {
    const link = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        void (async () => {
          for (let at = 0; at < chunk.length;) {
            const rate = this.rate;
            const size = rate === null ? chunk.length - at : Math.min(chunk.length - at, Math.ceil(rate / 20));
            if (rate !== null) {
              this.linkFreeAt = Math.max(this.linkFreeAt, Date.now()) + (size / rate) * 1000;
              await new Promise((r) => setTimeout(r, this.linkFreeAt - Date.now()));
            }
            link.push(chunk.subarray(at, at + size));
            at += size;
          }
          done();
        })();
      },
    });
    return link;
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    // A reset peer or our own reset surfaces as an error on the socket; it only means the socket is gone.
    socket.on('error', () => socket.destroy());
  }

  private dropAll(): void {
    for (const socket of this.sockets) {
      try {
        socket.resetAndDestroy();
      } catch {
        // A socket still connecting or already closing cannot be reset (EINVAL): closing it is all that is left.
        socket.destroy();
      }
    }
    this.sockets.clear();
  }
}
