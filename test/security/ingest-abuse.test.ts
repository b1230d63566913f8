/**
 * An ingest token must not be able to stall or bloat the collector (issue 15, item 4): idle uploads, gzip bombs,
 * dead-letter floods and documents nested without end each get a coded answer, the honest shipper's events all
 * arrive, and `/healthz` answers within 1 s, on both stores.
 */
import { request as httpRequest } from 'node:http';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { DeadLetterPage } from '../../protocol/dead-letter.js';
import type { SearchResult } from '../../protocol/search.js';
import {
  getJson,
  ndjson,
  startSecurityCollector,
  STORES,
  underHealthProbe,
  type SecurityCollector,
} from './security-fixture.js';

const IDLE_MS = 1000;
const MAX_ORIGINAL = 64 * 1024;
const BUDGET = 2 * 1024 * 1024;

/** An upload that sends its headers (Content-Length: 100000) and one byte, then nothing: what answers it. */
function idleUpload(url: string, token: string): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = httpRequest(`${url}/api/v1/ingest`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-ndjson',
        'content-length': '100000',
        authorization: `Bearer ${token}`,
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started }));
    });
    req.on('error', () => resolve({ status: 0, body: '', ms: performance.now() - started }));
    req.write('{');
  });
}

async function post(
  collector: SecurityCollector,
  path: string,
  token: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${collector.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${token}`, ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe.each(STORES)('ingest abuse on the %s store', (store) => {
  let collector: SecurityCollector;
  const search = (q: string) =>
    getJson<SearchResult>(
      `${collector.url}/api/v1/search?q=${encodeURIComponent(q)}&from=now-1h&limit=1000`,
      collector.tokens.read,
    );
  const deadLetters = (params: string) =>
    getJson<DeadLetterPage>(`${collector.url}/api/v1/deadletter?from=now-1h${params}`, collector.tokens.admin);

  beforeAll(async () => {
    collector = await startSecurityCollector(store, `ingest-${store}`, {
      limits: {
        body_idle_timeout: `${IDLE_MS}ms`,
        deadletter_max_original_bytes: MAX_ORIGINAL,
        deadletter_budget_per_token: BUDGET,
      },
    });
  });
  afterAll(async () => {
    await collector?.dispose();
  });

  it('frees the write slots of 16 idle uploads with 408 and lets the honest shipper in', async () => {
    const [[uploads, honest], health] = await underHealthProbe(collector.url, async () => {
      // One token may hold 8 of the 16 slots: its other 8 uploads are refused at once.
      const attacks = Array.from({ length: 16 }, () => idleUpload(collector.url, collector.tokens.attacker));
      await new Promise((r) => setTimeout(r, 200));
      const during = await post(
        collector,
        '/api/v1/ingest',
        collector.tokens.ingest,
        ndjson(10, (i) => ({ id: `honest-idle-${i}`, message: `honest during idle uploads ${i}` })),
      );
      return [await Promise.all(attacks), during] as const;
    });
    const statuses = uploads.map((u) => u.status).sort();
    expect(statuses).toEqual([...Array(8).fill(408), ...Array(8).fill(429)]);
    for (const u of uploads.filter((x) => x.status === 408)) {
      expect(JSON.parse(u.body)).toEqual({ error: { code: 'INGEST_BODY_TIMEOUT', message: expect.any(String) } });
      expect(u.ms).toBeLessThan(IDLE_MS + 1500);
    }
    expect(honest).toEqual({ status: 200, body: { accepted: 10, duplicates: 0, rejected: 0, errors: [] } });
    expect(health.maxMs).toBeLessThan(1000);
    await collector.refresh();
    expect((await search('honest during idle uploads')).body.total).toEqual({ value: 10, relation: 'eq' });
  });

  it('keeps a 64 KiB prefix, the length and the hash of each 31 MiB line of small gzip bodies', async () => {
    const line = `{"message":"${'x'.repeat(31 * 1024 * 1024)}"}`;
    const bomb = gzipSync(line);
    expect(bomb.length).toBeLessThan(100 * 1024);
    const sizeBefore = store === 'embedded' ? storeBytes(collector) : 0;
    const [answers, health] = await underHealthProbe(collector.url, async () => {
      const out = [];
      for (let i = 0; i < 10; i++) {
        out.push(
          await post(collector, '/api/v1/ingest', collector.tokens.attacker, bomb, { 'content-encoding': 'gzip' }),
        );
      }
      return out;
    });
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        accepted: 0,
        rejected: 1,
        errors: [{ line: 1, code: 'INGEST_EVENT_TOO_LARGE' }],
      });
    }
    expect(health.maxMs).toBeLessThan(1000);
    await collector.refresh();
    const page = await deadLetters('&code=INGEST_EVENT_TOO_LARGE&limit=100');
    expect(page.status).toBe(200);
    expect(page.body.dead_letters).toHaveLength(10);
    const sha256 = createHash('sha256').update(line).digest('hex');
    for (const entry of page.body.dead_letters) {
      expect(entry).toMatchObject({
        token: 'attacker',
        original_bytes: line.length,
        original_sha256: sha256,
        original_truncated: true,
      });
      expect(Buffer.byteLength(entry.original!)).toBe(MAX_ORIGINAL);
      expect(line.startsWith(entry.original!)).toBe(true);
    }
    // 10 × 31 MiB arrived; about 10 × 64 KiB were kept.
    if (store === 'embedded') expect(storeBytes(collector) - sizeBefore).toBeLessThan(8 * 1024 * 1024);
  }, 120_000);

  it('refuses a gzip body that inflates past the body limit with 413, before it is kept anywhere', async () => {
    const big = gzipSync(Buffer.alloc(40 * 1024 * 1024, 0x61));
    const answer = await post(collector, '/api/v1/ingest', collector.tokens.attacker, big, {
      'content-encoding': 'gzip',
    });
    expect(answer.status).toBe(413);
    expect((answer.body.error as { code: string }).code).toBe('INGEST_BODY_TOO_LARGE');
  });

  it('summarises the dead letters of a token past its daily budget and pages the listing', async () => {
    // 40 lines of 64 KiB that are not JSON: about 2.6 MiB of dead letters against a 2 MiB budget.
    const body = Array.from({ length: 40 }, (_, i) => `not json ${i} ${'y'.repeat(MAX_ORIGINAL - 20)}`).join('\n');
    const answer = await post(collector, '/api/v1/ingest', collector.tokens.attacker, body);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ accepted: 0, rejected: 40 });
    await collector.refresh();
    const summary = await deadLetters('&code=INGEST_DEADLETTER_BUDGET');
    expect(summary.body.dead_letters).toHaveLength(1);
    const kept = await deadLetters('&code=INGEST_INVALID_JSON&limit=1000');
    const keptCount = kept.body.dead_letters.length;
    // The bombs above used part of the budget; what is left holds some of the 40 lines, the rest are summarised.
    expect(keptCount).toBeGreaterThan(0);
    expect(keptCount).toBeLessThan(40);
    expect(summary.body.dead_letters[0]!.reason).toContain(`${40 - keptCount} more rejected lines`);
    // Pages of 7 cover every dead letter once, newest first.
    const all: string[] = [];
    let cursor = '';
    for (let i = 0; i < 20; i++) {
      const page = await deadLetters(`&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      all.push(...page.body.dead_letters.map((d) => d.id));
      if (!page.body.next_cursor) break;
      cursor = page.body.next_cursor;
    }
    const total = (await deadLetters('&limit=1000')).body.dead_letters.length;
    expect(all).toHaveLength(total);
    expect(new Set(all).size).toBe(total);
    const bad = await deadLetters('&cursor=not-a-cursor');
    expect(bad.status).toBe(400);
  });

  it('refuses one document nested 100,000 deep in _bulk alone and stores the others', async () => {
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const body = [
      '{"index":{"_index":"app"}}',
      '{"message":"bulk before the deep one","host":"web-9"}',
      '{"index":{"_index":"app"}}',
      deep,
      '{"create":{"_index":"app","_id":"bulk-after"}}',
      '{"message":"bulk after the deep one","host":"web-9"}',
      '',
    ].join('\n');
    const [answer, health] = await underHealthProbe(collector.url, () =>
      post(collector, '/_bulk', collector.tokens.attacker, body),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBe(true);
    const items = answer.body.items as Record<string, { status: number; error?: { type: string } }>[];
    expect(items.map((i) => Object.values(i)[0]!.status)).toEqual([201, 400, 201]);
    expect(Object.values(items[1]!)[0]!.error?.type).toBe('document_parsing_exception');
    expect(health.maxMs).toBeLessThan(1000);
    await collector.refresh();
    expect((await search('bulk AND deep')).body.total).toEqual({ value: 2, relation: 'eq' });
  });
});

function storeBytes(collector: SecurityCollector): number {
  let sum = 0;
  for (const name of ['events.db', 'events.db-wal']) {
    try {
      sum += statSync(join(collector.dataDir, 'store', name)).size;
    } catch {
      // not there yet
    }
  }
  return sum;
}
