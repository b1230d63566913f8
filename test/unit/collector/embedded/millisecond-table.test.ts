import { MillisecondTable } from '../../../../collector/store/embedded/millisecond-table.js';

describe("the writer's table of milliseconds", () => {
  it('answers what a Map answers for 100,000 milliseconds, including ones whose low 32 bits collide', () => {
    const table = new MillisecondTable(100_001);
    const expected = new Map<number, number>();
    const base = Date.parse('2026-12-06T00:00:00.000Z');
    for (let i = 0; i < 100_000; i++) {
      // Every fourth key lies 2^32 ms (about 50 days) after another: the same low 32 bits, the same first slot.
      const ms = i % 4 === 3 ? base + (i - 3) * 7 + 2 ** 32 : base + i * 7;
      const value = (i * 13) % 1000;
      table.set(ms, value);
      expected.set(ms, value);
    }
    // Times before 1970 are negative; an update keeps the count.
    table.set(-86_400_000, 5);
    expected.set(-86_400_000, 5);
    table.set(base, 999);
    expected.set(base, 999);
    expect(expected.size).toBe(100_001);
    expect(table.size).toBe(100_001);
    let wrong = 0;
    for (const [ms, value] of expected) if (table.get(ms) !== value) wrong++;
    expect(wrong).toBe(0);
    expect(table.get(base + 1)).toBeUndefined();
    expect(table.get(base + 2 ** 32 + 1)).toBeUndefined();
  });

  it('forgets everything when cleared, and refuses a key past its capacity', () => {
    const table = new MillisecondTable(3);
    table.set(10, 1);
    table.set(20, 2);
    table.set(30, 3);
    expect(() => table.set(40, 4)).toThrow('The millisecond table is full.');
    table.set(30, 7);
    expect(table.get(30)).toBe(7);
    table.clear();
    expect(table.size).toBe(0);
    expect([10, 20, 30].map((ms) => table.get(ms))).toEqual([undefined, undefined, undefined]);
    table.set(40, 4);
    expect(table.get(40)).toBe(4);
  });
});
