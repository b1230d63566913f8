import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { gzipSync } from 'node:zlib';
import { refresh, startTestCollector, type TestCollector, postIngest } from '../../support/collector-harness.js';
import { sizedBatch } from '../../support/sized-batch.js';

/** 600,000 bytes of bodies may be held at once: one 400,000-byte batch fits, two do not. */
const BUDGET = 600_000;
let collector: TestCollector;

beforeAll(async () => {
  collector = await startTestCollector('body-budget', { limits: { max_ingest_bytes_in_flight: BUDGET } });
});
afterAll(() => collector?.dispose());

/** Starts an upload that has sent `sent` of its declared bytes, then waits; `finish` sends the rest. */
async function slowUpload(body: Buffer, sent: number): Promise<{ finish(): Promise<IngestMessage> }> {
  const url = new URL(`${collector.url}/api/v1/ingest`);
  let req!: ClientRequest;
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    req = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-ndjson',
          'content-length': String(body.length),
          authorization: `Bearer ${collector.tokens.ingest}`,
        },
      },
      resolve,
    );
    req.on('error', reject);
  });
  req.write(body.subarray(0, sent));
  // The collector has admitted it once it has read some of the body; give it a moment to get there.
  await new Promise((r) => setTimeout(r, 300));
  return {
    async finish() {
      req.end(body.subarray(sent));
      const res = await answered;
      let text = '';
      for await (const chunk of res) text += String(chunk);
      return { status: res.statusCode ?? 0, body: JSON.parse(text) as { accepted: number } };
    },
  };
}

interface IngestMessage {
  status: number;
  body: { accepted: number };
}

describe('the byte budget of write bodies held at once', () => {
  it('refuses a body that would pass it with 429 + Retry-After before reading it, and takes it once there is room', async () => {
    const first = sizedBatch('held', 1000, 400_000);
    const second = sizedBatch('second', 1000, 400_000);
    const upload = await slowUpload(first, 100_000);

    const refused = await postIngest<{ error?: { code: string; message: string } }>(
      collector.url,
      collector.tokens.ingest,
      second,
    );
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe('1');
    expect(refused.body.error?.code).toBe('INGEST_OVERLOADED');
    expect(refused.body.error?.message).toContain('this one has 400000');

    // Gzip is charged as inflated: 400,000 bytes that travel as a few thousand pass the first check, not the second.
    const zipped = gzipSync(second);
    expect(zipped.length).toBeLessThan(BUDGET - 400_000);
    const refusedInflated = await postIngest<{ error?: { code: string } }>(
      collector.url,
      collector.tokens.ingest,
      zipped,
      { 'content-encoding': 'gzip' },
    );
    expect(refusedInflated.status).toBe(429);
    expect(refusedInflated.body.error?.code).toBe('INGEST_OVERLOADED');

    const held = await upload.finish();
    expect(held).toEqual({ status: 200, body: expect.objectContaining({ accepted: 1000 }) as unknown });
    // The budget is given back with the answer: the refused batch now gets in, nothing of it lost.
    const retried = await postIngest(collector.url, collector.tokens.ingest, zipped, { 'content-encoding': 'gzip' });
    expect(retried.status).toBe(200);
    expect(retried.body.accepted).toBe(1000);
    await refresh(collector);
    const count = await fetch(`${process.env.LOGSHIP_TEST_ES_URL}/${collector.indexPrefix}-2*/_count`);
    expect(((await count.json()) as { count: number }).count).toBe(2000);
  });

  it('lets one body larger than the whole budget in when nothing else is held', async () => {
    const answer = await postIngest(collector.url, collector.tokens.ingest, sizedBatch('large', 2000, 900_000));
    expect(answer.status).toBe(200);
    expect(answer.body.accepted).toBe(2000);
  });
});
