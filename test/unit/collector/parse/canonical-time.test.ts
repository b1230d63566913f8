import { CanonicalTimeReader, CanonicalTimeWriter } from '../../../../collector/ingest/parse/canonical-time.js';

/** What the reader stands in for: Date.parse, and whether toISOString gives the very text back. */
function slowPath(text: string): number {
  const ms = Date.parse(text);
  return Number.isFinite(ms) && new Date(ms).toISOString() === text ? ms : NaN;
}

describe('canonical event times', () => {
  it('reads 20,000 times over 230 years exactly as Date.parse does, days in any order', () => {
    const reader = new CanonicalTimeReader();
    const span = Date.parse('2199-12-31T23:59:59.999Z');
    let same = 0;
    let seed = 7;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      // Runs of times within one day (as a batch has), then a jump anywhere.
      const ms = i % 50 === 0 ? Math.floor((seed / 2 ** 31) * span) : (i * 86_399_999) % span;
      const text = new Date(ms).toISOString();
      if (reader.ms(text) === ms && slowPath(text) === ms) same++;
    }
    expect(same).toBe(20_000);
  });

  it('answers NaN for every text that would not render back, as the slow path does', () => {
    const reader = new CanonicalTimeReader();
    const texts = [
      '2026-02-29T10:00:00.000Z', // no such day in 2026
      '2026-02-30T10:00:00.000Z',
      '2026-04-31T10:00:00.000Z',
      '2026-13-01T10:00:00.000Z',
      '2026-12-05T24:00:00.000Z', // valid ISO, renders as the next day
      '2026-12-05T23:60:00.000Z',
      '2026-12-05T23:59:60.000Z',
      '2026-12-05T10:00:00.00xZ',
      '2026-12-05T1a:00:00.000Z',
      '2026-12-05t10:00:00.000Z',
      '2026-12-05T10:00:00.000z',
      '2026-12-05T10:00:00.000+00:00',
      '2026-12-05T10:00:00Z',
      '2026-12-05 10:00:00.000Z',
      'x026-12-05T10:00:00.000Z',
      '',
    ];
    expect(texts.map((t) => reader.ms(t))).toEqual(texts.map(() => NaN));
    expect(texts.filter((t) => !Number.isNaN(slowPath(t)))).toEqual([]);
  });

  it('reads a leap day and the day after an invalid one', () => {
    const reader = new CanonicalTimeReader();
    expect(reader.ms('2024-02-29T23:59:59.999Z')).toBe(Date.parse('2024-02-29T23:59:59.999Z'));
    expect(reader.ms('2026-02-29T00:00:00.000Z')).toBeNaN();
    expect(reader.ms('2026-03-01T00:00:00.001Z')).toBe(Date.parse('2026-03-01T00:00:00.001Z'));
  });

  it('writes 20,000 times over 230 years, and the edges of days and years, exactly as toISOString does', () => {
    const writer = new CanonicalTimeWriter();
    const span = Date.parse('2199-12-31T23:59:59.999Z');
    const times: number[] = [];
    let seed = 11;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      // Runs within one day, in both directions, then a jump anywhere.
      times.push(i % 50 === 0 ? Math.floor((seed / 2 ** 31) * span) : times.at(-1)! + ((i % 7) - 3) * 1_234_567);
    }
    times.push(
      0,
      1,
      999,
      86_399_999,
      86_400_000,
      Date.parse('2024-02-29T23:59:59.999Z'),
      Date.parse('2024-03-01T00:00:00.000Z'),
      Date.parse('9999-12-31T23:59:59.999Z'),
      // Outside years 1970-9999, toISOString's own form: a sign and six digits, or before 1970.
      Date.parse('9999-12-31T23:59:59.999Z') + 1,
      -1,
      -86_400_001,
    );
    const wrong = times.filter((ms) => writer.text(ms) !== new Date(ms).toISOString());
    expect(`${times.length} times, ${wrong.length} wrong: ${wrong.slice(0, 3).join(', ')}`).toBe(
      '20011 times, 0 wrong: ',
    );
  });
});
