import { findPatterns, type PatternRequest } from '../../../../collector/patterns/pattern-service.js';
import { parseQuery } from '../../../../collector/query/parse-query.js';
import type { SortKey } from '../../../../collector/store/log-store.js';
import { SURGE_FACTOR, SURGE_MIN_EXTRA } from '../../../../protocol/patterns.js';
import { BASE_MS, EVENT_COUNT, WINDOW, type FixtureEvent } from '../conformance-fixture.js';
import type { CaseContext } from '../case-context.js';

/** The fixture's true kinds: every access-log line is one kind, every other line is constant text. */
function kindOf(e: FixtureEvent): string {
  return e.status === null ? e.doc.message : 'access';
}

function kindOfMessage(message: string): string {
  return message.includes('"GET ') ? 'access' : message;
}

function countBy(events: readonly FixtureEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(kindOf(e), (counts.get(kindOf(e)) ?? 0) + 1);
  return counts;
}

const request = (over: Partial<PatternRequest> = {}): PatternRequest => ({
  query: { kind: 'all' },
  ...WINDOW,
  maxSample: 10_000,
  timeLimitMs: 30_000,
  compare: false,
  sort: 'count',
  limit: 100,
  ...over,
});

/** Patterns (`/patterns`): one grouping on every store, counted exactly, each pattern a query that finds its events. */
export function patternCases(ctx: CaseContext): void {
  describe('patterns', () => {
    it('groups the window into the fixture kinds with exact counts and histograms', async () => {
      const result = await findPatterns(ctx.sut.store, request());
      const expected = countBy(ctx.events.filter((e) => e.ms >= WINDOW.from.getTime()));
      expect(result.total).toBe(EVENT_COUNT);
      expect(result.sample_size).toBe(EVENT_COUNT);
      expect(result.sampled).toBe(false);
      expect(result.time_limited).toBe(false);
      expect(result.patterns).toHaveLength(expected.size);
      const found = new Map(result.patterns.map((p) => [kindOfMessage(p.example.message), p.count]));
      expect(found).toEqual(expected);
      expect(result.patterns.map((p) => p.count)).toEqual([...expected.values()].sort((a, b) => b - a));
      const access = result.patterns.find((p) => kindOfMessage(p.example.message) === 'access')!;
      // Quoted single words (the referrer "-", the user agent) are values too.
      expect(access.pattern).toBe('<*> - - [<*>] "GET <*> HTTP/<*>" <*> <*> "<*>" "<*>"');
      expect(access.share).toBeCloseTo(expected.get('access')! / EVENT_COUNT, 4);
      // 162 s cut into 10 s buckets; each bucket counts the kind's events in it.
      expect(result.interval).toBe('10s');
      const first = Date.parse(result.buckets[0]!);
      expect(first).toBe(Math.floor(BASE_MS / 10_000) * 10_000);
      expect(access.histogram).toEqual(
        result.buckets.map((key) => {
          const t = Date.parse(key);
          return ctx.events.filter((e) => e.status !== null && e.ms >= t && e.ms < t + 10_000).length;
        }),
      );
      expect(access.histogram.reduce((s, n) => s + n, 0)).toBe(access.count);
    });

    it('gives every pattern a query that finds exactly its events, and NOT that query the rest', async () => {
      const result = await findPatterns(ctx.sut.store, request());
      for (const pattern of result.patterns) {
        expect(pattern.query).not.toBeNull();
        const ids = await allIds(ctx, pattern.query!);
        const expected = ctx.events.filter((e) => kindOf(e) === kindOfMessage(pattern.example.message));
        expect([...ids].sort()).toEqual(expected.map((e) => e.id).sort());
        const rest = await allIds(ctx, `NOT (${pattern.query!})`);
        expect(rest.length).toBe(EVENT_COUNT - expected.length);
      }
    });

    it('samples a window larger than the sample, per bucket, and says so', async () => {
      const result = await findPatterns(ctx.sut.store, request({ maxSample: 100 }));
      expect(result.sampled).toBe(true);
      expect(result.total).toBe(EVENT_COUNT);
      // Each non-empty bucket reads its share, at least one event.
      expect(result.sample_size).toBeGreaterThanOrEqual(100 - result.buckets.length);
      expect(result.sample_size).toBeLessThanOrEqual(100 + result.buckets.length);
      const sum = result.patterns.reduce((s, p) => s + p.count, 0);
      expect(Math.abs(sum - EVENT_COUNT)).toBeLessThanOrEqual(result.patterns.length);
    });

    it('compares with the window just before: previous counts, new and surging patterns', async () => {
      // The fixture's second half against its first half (the same length just before it).
      const mid = BASE_MS + Math.floor((WINDOW.to.getTime() - BASE_MS) / 2);
      const from = new Date(mid);
      const span = WINDOW.to.getTime() - mid;
      const result = await findPatterns(ctx.sut.store, request({ from, compare: true, sort: 'surge' }));
      const now = countBy(ctx.events.filter((e) => e.ms >= mid && e.ms <= WINDOW.to.getTime()));
      const before = countBy(ctx.events.filter((e) => e.ms >= mid - span - 1 && e.ms < mid));
      expect(result.total).toBe([...now.values()].reduce((s, n) => s + n, 0));
      expect(result.previous_total).toBe([...before.values()].reduce((s, n) => s + n, 0));
      expect(result.patterns).toHaveLength(now.size);
      for (const p of result.patterns) {
        const kind = kindOfMessage(p.example.message);
        const b = before.get(kind) ?? 0;
        expect([kind, p.count, p.previous_count]).toEqual([kind, now.get(kind), b]);
        expect(p.new).toBe(b === 0);
        expect(p.surging).toBe(p.count >= SURGE_FACTOR * b && p.count - b >= SURGE_MIN_EXTRA);
        expect(p.surge).toBeCloseTo((p.count + 1) / (b + 1), 2);
      }
      const surges = result.patterns.map((p) => p.surge!);
      expect(surges).toEqual([...surges].sort((a, b) => b - a));
    });
  });
}

/** Every id a query finds in the fixture window, paged through with cursors. */
async function allIds(ctx: CaseContext, q: string): Promise<string[]> {
  const ids: string[] = [];
  let after: SortKey | undefined;
  for (;;) {
    const page = await ctx.sut.store.search({
      query: parseQuery(q),
      ...WINDOW,
      limit: 500,
      order: 'asc',
      ...(after ? { after } : {}),
    });
    ids.push(...page.hits.map((h) => h.id));
    if (!page.lastKey) return ids;
    after = page.lastKey;
  }
}
