import { alignedContext } from '../../../../collector/clock/aligned-context.js';
import type { Heartbeat, HostClock } from '../../../../protocol/heartbeat.js';
import { compareEvents, STEP_MS, type FixtureEvent } from '../conformance-fixture.js';
import type { CaseContext } from '../case-context.js';

/** db-1's clock in these cases: 30.4 s behind the collector's. */
const CLOCK: HostClock = {
  offset_ms: -30_400,
  bound_ms: 3,
  delay_ms: 4,
  samples: 5,
  measured_at: '2026-11-21T10:00:00.000Z',
  line_delay_ms: 120,
  line_events: 64,
};

function heartbeat(host: string): Heartbeat {
  return {
    host,
    version: '0.1.0',
    started_at: '2026-11-21T09:00:00.000Z',
    sent_at: '2026-11-21T10:00:00.000Z',
    interval_s: 10,
    inputs: [],
    lag_bytes: 0,
  };
}

/** The fixture as aligning db-1's clock orders it: its events 30.4 s later, then the usual tie order. */
function alignedOrder(events: readonly FixtureEvent[]): { e: FixtureEvent; ms: number }[] {
  return events
    .map((e) => ({ e, ms: e.ms + (e.host === 'db-1' ? -CLOCK.offset_ms : 0) }))
    .sort((a, b) => a.ms - b.ms || compareEvents({ ...a.e, ms: 0 }, { ...b.e, ms: 0 }));
}

/** Clock offsets: kept per host with the heartbeat, and the context that aligns events by them. */
export function clockCases(ctx: CaseContext): void {
  describe('clock offsets', () => {
    beforeAll(async () => {
      await ctx.sut.store.recordHeartbeat(heartbeat('db-1'), new Date('2026-11-21T10:00:00.010Z'), CLOCK);
      // A later heartbeat without an estimate keeps the last estimate.
      await ctx.sut.store.recordHeartbeat(heartbeat('db-1'), new Date('2026-11-21T10:00:10.010Z'), null);
      await ctx.sut.refresh();
    });

    it('keeps the latest estimate per host beside its heartbeat', async () => {
      expect([...(await ctx.sut.store.hostClocks())]).toEqual([['db-1', CLOCK]]);
      const hosts = await ctx.sut.store.hosts(new Date('2026-11-21T10:05:00.000Z'));
      const db = hosts.find((h) => h.host === 'db-1')!;
      expect(db.clock).toEqual(CLOCK);
      expect(db.lastHeartbeatAt).toBe('2026-11-21T10:00:10.010Z');
      expect(hosts.filter((h) => h.clock !== null).map((h) => h.host)).toEqual(['db-1']);
    });

    it.each(['cf-00301', 'cf-00402', 'cf-00011'])(
      'aligns the context of %s by the offset: db-1 events 30.4 s later, merged in time order',
      async (id) => {
        const result = await alignedContext(
          ctx.sut.store,
          { id, before: 9, after: 7, hosts: [] },
          await ctx.sut.store.hostClocks(),
        );
        const order = alignedOrder(ctx.events);
        const at = order.findIndex((x) => x.e.id === id);
        expect(result?.anchor.id).toBe(id);
        expect(result?.before.map((h) => h.id)).toEqual(order.slice(Math.max(0, at - 9), at).map((x) => x.e.id));
        expect(result?.after.map((h) => h.id)).toEqual(order.slice(at + 1, at + 8).map((x) => x.e.id));
        for (const hit of [result!.anchor, ...result!.before, ...result!.after]) {
          const shift = hit.host === 'db-1' ? 30_400 : 0;
          expect([hit.id, hit.shift_ms]).toEqual([hit.id, shift]);
          expect(Date.parse(hit.aligned_timestamp) - Date.parse(hit.timestamp)).toBe(shift);
        }
        expect(result?.shifts).toEqual({ 'db-1': 30_400 });
      },
    );

    it('keeps to the chosen hosts and the window in aligned time', async () => {
      const result = await alignedContext(
        ctx.sut.store,
        { id: 'cf-00402', before: 50, after: 50, hosts: ['db-1', 'web-2'], windowMs: 40 * STEP_MS },
        await ctx.sut.store.hostClocks(),
      );
      const order = alignedOrder(ctx.events.filter((e) => e.host === 'db-1' || e.host === 'web-2'));
      const at = order.findIndex((x) => x.e.id === 'cf-00402');
      const near = (x: { ms: number }) => Math.abs(x.ms - order[at]!.ms) <= 40 * STEP_MS;
      expect(result?.before.map((h) => h.id)).toEqual(
        order
          .slice(0, at)
          .filter(near)
          .slice(-50)
          .map((x) => x.e.id),
      );
      expect(result?.after.map((h) => h.id)).toEqual(
        order
          .slice(at + 1)
          .filter(near)
          .slice(0, 50)
          .map((x) => x.e.id),
      );
      expect(result!.before.length + result!.after.length).toBeGreaterThan(20);
    });
  });
}
