import { IngestMetrics, StoredSample, sampleStored } from '../../../../collector/ingest/ingest-metrics.js';
import type { StoredEvent } from '../../../../collector/store/ecs-document.js';

/** An event of `host` read by its shipper at `readAt` (the shipper's clock). */
function event(host: string, readAt: string): StoredEvent {
  return {
    id: `${host}-${readAt}`,
    doc: {
      '@timestamp': readAt,
      message: 'x',
      host: { name: host },
      event: { id: `${host}-${readAt}`, ingested: new Date().toISOString(), created: readAt, dataset: 'plain' },
    },
  };
}

async function hostLag(metrics: IngestMetrics, host: string): Promise<number> {
  const text = await metrics.registry.metrics();
  return Number(new RegExp(`^logship_collector_host_lag_seconds\\{host="${host}"\\} (\\S+)`, 'm').exec(text)?.[1]);
}

describe('ingest lag', () => {
  it("takes the lag against the host's measured clock: a shipper 30 s behind shows no lag it does not have", async () => {
    const metrics = new IngestMetrics();
    metrics.clockOffsetMs = (host) => (host === 'behind' ? -30_000 : undefined);
    // Both lines were read just now; the host that is 30 s behind wrote a read time 30 s ago on its own clock.
    const thirtyAgo = new Date(Date.now() - 30_000).toISOString();
    const events = [event('behind', thirtyAgo), event('unmeasured', thirtyAgo)];
    metrics.stored(
      sampleStored(events, () => 10),
      { accepted: 2, duplicates: 0, failures: [] },
      'ingest',
    );
    expect(await hostLag(metrics, 'behind')).toBeLessThan(2);
    expect(await hostLag(metrics, 'unmeasured')).toBeGreaterThanOrEqual(30);
  });

  it('counts only the events that were stored, by token and host', async () => {
    const metrics = new IngestMetrics({ maxHostSeries: 1 });
    const now = new Date().toISOString();
    const events = [event('a', now), event('a', now), event('b', now), event('c', now)];
    metrics.stored(
      sampleStored(events, (i) => 100 + i),
      {
        accepted: 2,
        duplicates: 1,
        duplicateIndexes: [1],
        failures: [{ index: 3, code: 'STORE_REJECTED', reason: '' }],
      },
      'web',
    );
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^logship_collector_ingest_events_total\{token="web",host="a"\} 1$/m);
    expect(text).toMatch(/^logship_collector_ingest_events_total\{token="web",host="_other"\} 1$/m);
    expect(text).toMatch(/^logship_collector_ingest_bytes_total\{token="web",host="_other"\} 102$/m);
    expect(text).not.toMatch(/host="c"/);
  });

  it('keeps runs of one host, not an entry per event, and takes skipped events out of their own run', () => {
    const asked: number[] = [];
    const sample = new StoredSample((i) => {
      asked.push(i);
      return 1000 + i;
    });
    const hosts = ['a', 'a', 'b', 'b', 'b', 'a', 'a'];
    const reads = ['10', '09', '20', '21', '19', '30', '08'].map((s) => `2026-12-06T04:00:${s}.000Z`);
    hosts.forEach((host, i) => sample.add(event(host, reads[i]!), 1000 + i));
    const tallies = sample.perHost([1, 2, 3, 4]);
    // Only the skipped events' sizes are looked up again.
    expect(asked).toEqual([1, 2, 3, 4]);
    expect(tallies.get('b')).toBeUndefined();
    expect(tallies.get('a')).toEqual({ events: 3, bytes: 1000 + 1005 + 1006, oldestRead: '2026-12-06T04:00:08.000Z' });
    expect([...tallies.keys()]).toEqual(['a']);
    // Asking again starts from the whole request: the tallies are not used up.
    expect(sample.perHost([]).get('b')).toEqual({ events: 3, bytes: 3009, oldestRead: '2026-12-06T04:00:19.000Z' });
    expect(() => sample.perHost([7])).toThrow(RangeError);
  });
});
