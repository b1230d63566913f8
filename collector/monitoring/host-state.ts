import { Gauge, type Registry } from 'prom-client';
import type { LogStore } from '../store/log-store.js';
import type { HostActivity } from '../store/read-model.js';

/** One host as an operator sees it: when it was last heard of, whether it is silent, what its shipper has not sent. */
export interface HostState {
  host: string;
  /** The later of its last stored event (`event.ingested`) and its last heartbeat. */
  lastSeen: string | null;
  /** Seconds since `lastSeen` (null when never seen). */
  silentForS: number | null;
  /** Nothing heard for longer than `search.host_silent_after`. */
  silent: boolean;
  /** Bytes written to its watched files but not yet acknowledged (its last heartbeat), null without heartbeats. */
  backlogBytes: number | null;
  events5m: number;
}

/** The one rule for "silent", shared by `/hosts`, `/metrics` and `/status`. */
export function hostState(h: HostActivity, now: Date, silentAfterMs: number): HostState {
  const seen = [h.lastEventAt, h.lastHeartbeatAt].filter((t): t is string => t !== null).sort();
  const lastSeen = seen.at(-1) ?? null;
  const silentForMs = lastSeen === null ? null : Math.max(0, now.getTime() - Date.parse(lastSeen));
  return {
    host: h.host,
    lastSeen,
    silentForS: silentForMs === null ? null : silentForMs / 1000,
    silent: silentForMs === null || silentForMs > silentAfterMs,
    backlogBytes: h.heartbeat?.lag_bytes ?? null,
    events5m: h.events5m,
  };
}

/** Scrapes reuse a look at the hosts this recent: it is an aggregation over every index. */
const FRESH_MS = 5_000;

/**
 * Every host's silence and shipper backlog for `/metrics`, from the store, so each collector of a fleet exports the
 * same fleet-wide values. At most `maxHosts` hosts get series (the most silent first); the counts cover them all.
 */
export function registerHostMetrics(
  registry: Registry,
  store: LogStore,
  options: { silentAfterMs: number; maxHosts: number },
): void {
  let last: { hosts: HostState[]; at: number } | null = null;
  let asking: Promise<HostState[]> | null = null;
  const look = (): Promise<HostState[]> => {
    if (last && Date.now() - last.at < FRESH_MS) return Promise.resolve(last.hosts);
    asking ??= (async () => {
      try {
        const now = new Date();
        const hosts = (await store.hosts(now)).map((h) => hostState(h, now, options.silentAfterMs));
        // The most silent first: past the bound, it is the quiet hosts that need a series.
        hosts.sort((a, b) => (b.silentForS ?? Infinity) - (a.silentForS ?? Infinity));
        last = { hosts, at: Date.now() };
        return hosts;
      } finally {
        asking = null;
      }
    })();
    return asking;
  };
  // A store that cannot answer leaves the host series out (store_ready says why) rather than failing the scrape.
  const hosts = () => look().catch(() => null);
  new Gauge({
    name: 'logship_collector_hosts',
    help: 'Hosts that ever shipped, by status (silent: nothing heard for longer than search.host_silent_after).',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const all = await hosts();
      this.reset();
      if (!all) return;
      const silent = all.filter((h) => h.silent).length;
      this.set({ status: 'silent' }, silent);
      this.set({ status: 'ok' }, all.length - silent);
    },
  });
  new Gauge({
    name: 'logship_collector_host_silence_seconds',
    help: 'Seconds since a host was last heard of (its last stored event or heartbeat), from the store.',
    labelNames: ['host'],
    registers: [registry],
    async collect() {
      const all = await hosts();
      this.reset();
      for (const h of (all ?? []).slice(0, options.maxHosts))
        if (h.silentForS !== null) this.set({ host: h.host }, h.silentForS);
    },
  });
  new Gauge({
    name: 'logship_collector_host_backlog_bytes',
    help: "Bytes written to a host's watched files that its shipper has not had acknowledged (its last heartbeat).",
    labelNames: ['host'],
    registers: [registry],
    async collect() {
      const all = await hosts();
      this.reset();
      // The largest backlogs first: past the bound, it is the hosts furthest behind that need a series.
      const behind = (all ?? []).filter((h) => h.backlogBytes !== null);
      behind.sort((a, b) => b.backlogBytes! - a.backlogBytes!);
      for (const h of behind.slice(0, options.maxHosts)) this.set({ host: h.host }, h.backlogBytes!);
    },
  });
}
