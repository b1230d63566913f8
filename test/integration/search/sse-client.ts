import { readSse, type SseFrame } from '../../../cli/sse-reader.js';

export type { SseFrame };

/** A Server-Sent Events client over fetch for tests, keeping every frame and comment as the CLI's reader parses them. */
export class SseClient {
  readonly frames: SseFrame[] = [];
  private readonly abort = new AbortController();
  private waiters: (() => void)[] = [];
  status = 0;

  static async open(url: string, headers: Record<string, string>): Promise<SseClient> {
    const client = new SseClient();
    const res = await fetch(url, { headers, signal: client.abort.signal });
    client.status = res.status;
    if (!res.body) throw new Error('no body');
    void client.read(res.body);
    return client;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    try {
      for await (const frame of readSse(body, { comments: true })) {
        this.frames.push(frame);
        this.waiters.splice(0).forEach((w) => w());
      }
    } catch {
      // aborted
    }
  }

  /** Waits until `test` holds for the frames so far, or fails after `timeoutMs`. */
  async until(test: (frames: SseFrame[]) => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test(this.frames)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`SSE condition not met within ${timeoutMs} ms (${this.frames.length} frames)`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  events(): SseFrame[] {
    return this.frames.filter((f) => f.data !== undefined);
  }

  close(): void {
    this.abort.abort();
  }
}
