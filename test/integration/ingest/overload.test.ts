import { gzipSync } from 'node:zlib';
import { refresh, startTestCollector, type TestCollector, postIngest } from '../../support/collector-harness.js';

let collector: TestCollector;

beforeAll(async () => {
  collector = await startTestCollector('overload', { limits: { max_ingest_in_flight: 2 } });
});
afterAll(() => collector?.dispose());

function batch(n: number): Buffer {
  const now = Date.now();
  const lines = Array.from({ length: 2000 }, (_, i) =>
    JSON.stringify({
      id: `ov-${n}-${i}`,
      timestamp: new Date(now - i).toISOString(),
      host: 'web-1',
      message: `batch ${n} line ${i}`,
    }),
  );
  return gzipSync(lines.join('\n'));
}

function send(body: Buffer) {
  return postIngest<{ accepted: number; error?: { code: string } }>(collector.url, collector.tokens.ingest, body, {
    'content-encoding': 'gzip',
  });
}

describe('ingest under overload', () => {
  it('refuses writes past the admission limit with 429 + Retry-After, and loses nothing when senders retry', async () => {
    const bodies = Array.from({ length: 30 }, (_, n) => batch(n));
    const first = await Promise.all(bodies.map((b) => send(b)));
    const admitted = first.filter((r) => r.status === 200);
    const refused = first.filter((r) => r.status === 429);
    expect(admitted.length + refused.length).toBe(30);
    expect(admitted.length).toBeGreaterThanOrEqual(2);
    expect(refused.length).toBeGreaterThan(0);
    expect(new Set(refused.map((r) => `${r.retryAfter} ${r.body.error?.code}`))).toEqual(
      new Set(['1 INGEST_OVERLOADED']),
    );
    expect(admitted.reduce((sum, r) => sum + r.body.accepted, 0)).toBe(admitted.length * 2000);

    // A sender that honours Retry-After gets everything in; what was stored before is a duplicate, never stored twice.
    let accepted = admitted.length * 2000;
    for (const [n, r] of first.entries()) {
      if (r.status === 200) continue;
      for (;;) {
        const again = await send(bodies[n]!);
        if (again.status === 429) {
          await new Promise((done) => setTimeout(done, 100));
          continue;
        }
        expect(again.status).toBe(200);
        accepted += again.body.accepted;
        break;
      }
    }
    expect(accepted).toBe(60_000);
    await refresh(collector);
    const count = await fetch(`${process.env.LOGSHIP_TEST_ES_URL}/${collector.indexPrefix}-2*/_count`);
    expect(((await count.json()) as { count: number }).count).toBe(60_000);
  });
});
