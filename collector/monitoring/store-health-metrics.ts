import { Gauge, type Registry } from 'prom-client';
import type { LogStore } from '../store/log-store.js';

/** Scrapes reuse a look this recent: several Prometheus servers must not multiply the store's health checks. */
const FRESH_MS = 5_000;

/** What the store said when last asked. */
interface Look {
  ready: boolean;
  problem: string | null;
  at: number;
}

/**
 * `logship_collector_store_ready` (1 when the store takes writes and answers reads, as `/readyz` says) and
 * `logship_collector_store_problem{code}` (1 for the code `/readyz` names while it is not ready).
 */
export function registerStoreHealth(registry: Registry, store: LogStore): void {
  let last: Look | null = null;
  let asking: Promise<Look> | null = null;
  const look = (): Promise<Look> => {
    if (last && Date.now() - last.at < FRESH_MS) return Promise.resolve(last);
    asking ??= (async () => {
      const ready = await store.ready().catch(() => false);
      const problem = ready ? null : (store.readinessProblem?.()?.code ?? 'STORE_UNAVAILABLE');
      last = { ready, problem, at: Date.now() };
      asking = null;
      return last;
    })();
    return asking;
  };
  new Gauge({
    name: 'logship_collector_store_ready',
    help: 'Whether the store takes writes and answers reads now (1) or not (0), as /readyz reports it.',
    registers: [registry],
    async collect() {
      this.set((await look()).ready ? 1 : 0);
    },
  });
  new Gauge({
    name: 'logship_collector_store_problem',
    help: 'While the store is not ready: 1 for the code /readyz names (docs/error-codes.md).',
    labelNames: ['code'],
    registers: [registry],
    async collect() {
      this.reset();
      const { problem } = await look();
      if (problem) this.set({ code: problem }, 1);
    },
  });
}
