import type { AlertsOverview } from '../../protocol/alerts-overview.js';
import { MAX_STATUS_ALERTS, MAX_STATUS_HOSTS, type ServiceStatus } from '../../protocol/status.js';
import type { IngestMetrics } from '../ingest/ingest-metrics.js';
import type { LogStore } from '../store/log-store.js';
import { hostState } from './host-state.js';

export interface StatusOptions {
  kind: ServiceStatus['store']['kind'];
  silentAfterMs: number;
  laggingAfterMs: number;
  laggingBacklogBytes: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/**
 * Puts `GET /api/v1/status` together: each section asks the store on its own, so a store that is down still gives
 * an answer that says so (the store section, and the code of every section that could not be filled in).
 */
export class StatusReport {
  constructor(
    private readonly store: LogStore,
    private readonly metrics: IngestMetrics,
    /** The firing alerts and every rule's status, as `GET /api/v1/alerts?state=firing` answers. */
    private readonly alerts: () => Promise<AlertsOverview>,
    private readonly options: StatusOptions,
  ) {}

  async build(now = new Date()): Promise<ServiceStatus> {
    const errors: ServiceStatus['errors'] = [];
    const attempt = async <T>(section: string, work: () => Promise<T>): Promise<T | null> => {
      try {
        return await work();
      } catch (err) {
        const e = err as { code?: unknown; message?: unknown };
        errors.push({
          section,
          code: typeof e.code === 'string' ? e.code : 'INTERNAL',
          message: typeof e.message === 'string' ? e.message : 'failed',
        });
        return null;
      }
    };
    const ready = await this.store.ready().catch(() => false);
    const [ingest, hosts, deadLetters, alerts] = await Promise.all([
      attempt('ingest', () => this.ingest(now)),
      attempt('hosts', () => this.hosts(now)),
      attempt('dead_letters', async () => {
        const byCode = await this.store.countDeadLetters(new Date(now.getTime() - HOUR_MS), now);
        return { last_hour: Object.values(byCode).reduce((a, b) => a + b, 0), by_code: byCode };
      }),
      attempt('alerts', async () => {
        const overview = await this.alerts();
        const firing = overview.alerts.filter((a) => a.state === 'firing');
        return {
          evaluator: overview.evaluator,
          firing: firing.slice(0, MAX_STATUS_ALERTS),
          firing_count: firing.length,
          failing_rules: overview.rules.filter((r) => r.error).map(({ name, error }) => ({ name, error })),
        };
      }),
    ]);
    return {
      at: now.toISOString(),
      store: {
        kind: this.options.kind,
        ready,
        problem: ready ? null : (this.store.readinessProblem?.() ?? null),
      },
      ingest,
      hosts,
      dead_letters: deadLetters,
      alerts,
      errors,
    };
  }

  private async ingest(now: Date): Promise<ServiceStatus['ingest']> {
    if (!this.store.tailCount) return null;
    const count = await this.store.tailCount({
      query: { kind: 'all' },
      sinceMs: now.getTime() - MINUTE_MS,
      untilMs: now.getTime(),
    });
    return { events_last_minute: count, events_per_s: Math.round((count / 60) * 10) / 10 };
  }

  private async hosts(now: Date): Promise<ServiceStatus['hosts']> {
    const all = (await this.store.hosts(now)).map((h) => hostState(h, now, this.options.silentAfterMs));
    const silent = all.filter((h) => h.silent).sort((a, b) => (b.silentForS ?? Infinity) - (a.silentForS ?? Infinity));
    const lags = this.metrics.hostLags();
    const lagging = all
      .filter((h) => !h.silent)
      .map((h) => ({ host: h.host, lag_s: lags.get(h.host) ?? null, backlog_bytes: h.backlogBytes }))
      .filter(
        (h) =>
          (h.lag_s !== null && h.lag_s * 1000 > this.options.laggingAfterMs) ||
          (h.backlog_bytes !== null && h.backlog_bytes > this.options.laggingBacklogBytes),
      )
      .sort((a, b) => (b.lag_s ?? 0) - (a.lag_s ?? 0) || (b.backlog_bytes ?? 0) - (a.backlog_bytes ?? 0));
    return {
      total: all.length,
      silent: silent
        .slice(0, MAX_STATUS_HOSTS)
        .map((h) => ({ host: h.host, last_seen: h.lastSeen, silent_for_s: h.silentForS && Math.round(h.silentForS) })),
      silent_count: silent.length,
      lagging: lagging.slice(0, MAX_STATUS_HOSTS),
      lagging_count: lagging.length,
    };
  }
}
