import { estimateClock } from '../../../../collector/clock/clock-estimate.js';
import { LineDelays } from '../../../../collector/clock/line-delays.js';
import type { ClockSample } from '../../../../protocol/heartbeat.js';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * An exchange with a host `offset` ms off, `out` ms to the collector, `back` ms back, `work` ms at the collector,
 * starting at true time `at`: t1 and t4 on the host's clock, t2 and t3 on the collector's.
 */
function exchange(at: number, offset: number, out: number, back: number, work = 2): ClockSample {
  return {
    sent_at: iso(at + offset),
    collector_received_at: iso(at + out),
    collector_replied_at: iso(at + out + work),
    received_at: iso(at + out + work + back + offset),
  };
}

describe('clock estimate from heartbeat exchanges', () => {
  it('gives a symmetric exchange its exact offset, bounded by half the round trip', () => {
    const clock = estimateClock([exchange(T0, -90_000, 5, 5)], T0 + 5);
    expect(clock).toEqual({
      offset_ms: -90_000,
      bound_ms: 6,
      delay_ms: 10,
      samples: 1,
      measured_at: iso(T0 + 5),
    });
  });

  it('chooses the exchange with the shortest round trip, and the true offset stays within its bound', () => {
    // Queues make the trips lopsided; only the quick exchange pins the offset down.
    const samples = [exchange(T0, 1234, 400, 10), exchange(T0 + 1000, 1234, 3, 4), exchange(T0 + 2000, 1234, 10, 250)];
    const clock = estimateClock(samples, T0 + 3000)!;
    expect(clock.delay_ms).toBe(7);
    expect(clock.samples).toBe(3);
    expect(clock.measured_at).toBe(iso(T0 + 1003));
    expect(Math.abs(clock.offset_ms - 1234)).toBeLessThanOrEqual(clock.bound_ms);
    expect(clock.bound_ms).toBe(5);
    // The lopsided ones alone would be far off: 195 ms and 120 ms.
    expect(estimateClock([samples[0]!], T0 + 3000)!.offset_ms).toBe(1234 - 195);
  });

  it('widens the bound with the age of the exchange (15 ppm drift)', () => {
    const clock = estimateClock([exchange(T0, 0, 1, 1, 0)], T0 + 1 + 1_000_000)!;
    expect(clock.bound_ms).toBe(Math.ceil(1 + 1 + 15));
  });

  it('drops exchanges that cannot be true and answers null without any', () => {
    const backwards = { ...exchange(T0, 0, 5, 5), received_at: iso(T0 - 1) };
    const replyBeforeReceipt = { ...exchange(T0, 0, 5, 5), collector_replied_at: iso(T0) };
    const old = exchange(T0 - 2 * 3_600_000, 0, 1, 1);
    expect(estimateClock([backwards, replyBeforeReceipt, old], T0 + 100)).toBeNull();
    expect(estimateClock([], T0)).toBeNull();
    expect(estimateClock([backwards, exchange(T0, 42, 2, 2)], T0 + 100)!.samples).toBe(1);
  });
});

describe('line delays', () => {
  it('keeps the median of the latest 256 delays per host', () => {
    const delays = new LineDelays();
    for (let i = 0; i < 300; i++) delays.record('db-1', i < 44 ? -100_000 : i);
    delays.record('web-1', 7);
    expect(delays.summary('db-1')).toEqual({ medianMs: 172, events: 256 });
    expect(delays.summary('web-1')).toEqual({ medianMs: 7, events: 1 });
    expect(delays.summary('none')).toEqual({ medianMs: null, events: 0 });
  });
});
