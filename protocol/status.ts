/** `GET /api/v1/status`: the state of the service on one screen (`logship status`). */
export interface ServiceStatus {
  /** When the collector put this together (ISO-8601). */
  at: string;
  store: {
    kind: 'elasticsearch' | 'embedded';
    ready: boolean;
    /** Why it is not ready, as `/readyz` says it. */
    problem: { code: string; message: string } | null;
  };
  /** Events stored in the last minute by every collector of the store (by `event.ingested`); null if not known. */
  ingest: { events_last_minute: number; events_per_s: number } | null;
  /** null when the store could not be asked. */
  hosts: {
    total: number;
    /** Hosts heard of neither by event nor heartbeat for `search.host_silent_after`, most silent first. */
    silent: { host: string; last_seen: string | null; silent_for_s: number | null }[];
    silent_count: number;
    /**
     * Hosts past `monitoring.lagging_after` (read to stored, as seen by the collector that answered) or
     * `monitoring.lagging_backlog` (bytes their shipper has not had acknowledged), most behind first.
     */
    lagging: { host: string; lag_s: number | null; backlog_bytes: number | null }[];
    lagging_count: number;
  } | null;
  /** Dead letters received in the last hour, by code; null when the store could not be asked. */
  dead_letters: { last_hour: number; by_code: Record<string, number> } | null;
  /** Alerts firing now; `evaluated` is false while this collector evaluates no alert rules. */
  alerts: { evaluated: boolean; firing: { rule: string; since: string; summary: string }[] };
  /** Sections that could not be filled in, with the error code (e.g. the store is down). */
  errors: { section: string; code: string; message: string }[];
}
