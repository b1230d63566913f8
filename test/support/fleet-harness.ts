import { startNginx, type TestNginx } from './nginx.js';
import { Pipeline } from './pipeline-harness.js';

/**
 * Several `logship collector` processes sharing one Elasticsearch index prefix and one data directory (tokens, UI
 * sessions), behind a real nginx with deploy/nginx's configuration. Shippers and searches go through nginx.
 */
export class Fleet extends Pipeline {
  nginx?: TestNginx;

  constructor(
    name: string,
    readonly size = 2,
    collectorConfig: Record<string, unknown> = {},
  ) {
    // nginx connects from 127.0.0.1: only it may say which client and scheme a request came with.
    super(name, {}, undefined, { trusted_proxies: ['127.0.0.1'], ...collectorConfig });
  }

  /** Starts every collector, then nginx in front of them; `url` is nginx's from then on. */
  async start(tls?: { cert: string; key: string }): Promise<void> {
    for (let i = 0; i < this.size; i++) await this.startCollector({}, i);
    const upstreams = Array.from({ length: this.size }, (_, i) => new URL(this.collectorUrl(i)).host);
    this.nginx = await startNginx({ upstreams, ...(tls ? { tls } : {}) });
    this.url = this.nginx.url;
  }

  /** The collector (by index) that has a live tail open now, from each one's /metrics; undefined when none has. */
  async collectorWithTail(): Promise<number | undefined> {
    for (let i = 0; i < this.size; i++) {
      const text = await fetch(`${this.collectorUrl(i)}/metrics`)
        .then((r) => r.text())
        .catch(() => '');
      const open = /^logship_collector_tail_streams (\d+)/m.exec(text);
      if (open && Number(open[1]) > 0) return i;
    }
    return undefined;
  }

  override async dispose(): Promise<void> {
    await this.nginx?.stop();
    await super.dispose();
  }
}
