import type { Heartbeat, HostClock } from '../../../protocol/heartbeat.js';
import type { HostActivity } from '../read-model.js';
import { guardEs } from './es-errors.js';
import { guardRead, type EsReadContext, searchEvents } from './es-read.js';
import { hostsIndex } from './index-templates.js';

/** More hosts than this are not listed; a fleet that large needs paging, which /hosts does not offer yet. */
const MAX_HOSTS = 10_000;

interface HostsAgg {
  buckets: { key: string; last: { value: number | null }; recent: { doc_count: number } }[];
}

interface HeartbeatDoc {
  host: { name: string };
  received_at: string;
  heartbeat: Heartbeat;
  /** The latest clock estimate: kept in _source only (the hosts index maps no other fields). */
  clock?: HostClock;
}

/** `/hosts` on Elasticsearch: hosts from the events (all time) merged with the heartbeat index. */
export async function esHosts(ctx: EsReadContext, now: Date): Promise<HostActivity[]> {
  const recentFrom = new Date(now.getTime() - 5 * 60_000).toISOString();
  const [events, beats] = await Promise.all([
    searchEvents(ctx, {
      size: 0,
      track_total_hits: false,
      aggs: {
        hosts: {
          terms: { field: 'host.name', size: MAX_HOSTS },
          aggs: {
            last: { max: { field: 'event.ingested' } },
            recent: { filter: { range: { '@timestamp': { gte: recentFrom, lte: now.toISOString() } } } },
          },
        },
      },
    }),
    guardRead(ctx, (t) =>
      ctx.client.search<HeartbeatDoc>(
        {
          index: hostsIndex(ctx.indexPrefix),
          ignore_unavailable: true,
          allow_no_indices: true,
          timeout: t.timeout,
          size: MAX_HOSTS,
        },
        { requestTimeout: t.requestTimeout },
      ),
    ),
  ]);
  const byHost = new Map<string, HostActivity>();
  const entry = (host: string): HostActivity => {
    let e = byHost.get(host);
    if (!e) {
      e = { host, lastEventAt: null, events5m: 0, lastHeartbeatAt: null, heartbeat: null, clock: null };
      byHost.set(host, e);
    }
    return e;
  };
  for (const b of (events.aggregations?.hosts as HostsAgg | undefined)?.buckets ?? []) {
    const e = entry(b.key);
    e.lastEventAt = b.last.value === null ? null : new Date(b.last.value).toISOString();
    e.events5m = b.recent.doc_count;
  }
  for (const hit of beats.hits.hits) {
    const doc = hit._source;
    if (!doc) continue;
    const e = entry(doc.host.name);
    e.lastHeartbeatAt = doc.received_at;
    e.heartbeat = doc.heartbeat;
    e.clock = doc.clock ?? null;
  }
  return [...byHost.values()].sort((a, b) => a.host.localeCompare(b.host));
}

/** Every host's latest clock estimate, from the heartbeat index alone. */
export async function esHostClocks(ctx: EsReadContext): Promise<Map<string, HostClock>> {
  const res = await guardRead(ctx, (t) =>
    ctx.client.search<Pick<HeartbeatDoc, 'host' | 'clock'>>(
      {
        index: hostsIndex(ctx.indexPrefix),
        ignore_unavailable: true,
        allow_no_indices: true,
        timeout: t.timeout,
        size: MAX_HOSTS,
        _source: ['host', 'clock'],
      },
      { requestTimeout: t.requestTimeout },
    ),
  );
  const clocks = new Map<string, HostClock>();
  for (const hit of res.hits.hits) if (hit._source?.clock) clocks.set(hit._source.host.name, hit._source.clock);
  return clocks;
}

/**
 * Keeps the latest heartbeat per host (the host name is the document id, so each one replaces the last) with the
 * latest clock estimate: a heartbeat without one keeps the estimate the host had, read back first. A whole-document
 * index rather than a partial update: the collector's role may write documents but not create indices, and an
 * update's upsert needs the latter.
 */
export async function esRecordHeartbeat(
  ctx: EsReadContext,
  heartbeat: Heartbeat,
  receivedAt: Date,
  clock: HostClock | null,
): Promise<void> {
  const index = hostsIndex(ctx.indexPrefix);
  const kept = clock ?? (await lastClock(ctx, index, heartbeat.host));
  const document: HeartbeatDoc = {
    host: { name: heartbeat.host },
    received_at: receivedAt.toISOString(),
    heartbeat,
    ...(kept ? { clock: kept } : {}),
  };
  await guardEs(ctx.logger, () => ctx.client.index({ index, id: heartbeat.host, document }));
}

/** The clock estimate stored with a host's last heartbeat, if any. */
async function lastClock(ctx: EsReadContext, index: string, host: string): Promise<HostClock | null> {
  const res = await guardEs(ctx.logger, () =>
    ctx.client.get<Pick<HeartbeatDoc, 'clock'>>({ index, id: host, _source: ['clock'] }, { ignore: [404] }),
  );
  return res._source?.clock ?? null;
}
