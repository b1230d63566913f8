import { deflateSync, gzipSync } from 'node:zlib';
import { refresh, startTestCollector, type TestCollector, postIngest } from '../../support/collector-harness.js';
import { sizedBatch } from '../../support/sized-batch.js';

/** The body limit of this collector: every body below is sized against it to the byte. */
const LIMIT = 200_000;
let collector: TestCollector;

beforeAll(async () => {
  collector = await startTestCollector('compressed-bodies', { limits: { max_body_bytes: LIMIT } });
});
afterAll(() => collector?.dispose());

type Answer = { accepted?: number; rejected?: number; error?: { code: string } };
const send = (body: Buffer, encoding?: string) =>
  postIngest<Answer>(collector.url, collector.tokens.ingest, body, encoding ? { 'content-encoding': encoding } : {});

/** Events of host `tag` in the collector's indices. */
async function stored(tag: string): Promise<number> {
  await refresh(collector);
  const res = await fetch(`${process.env.LOGSHIP_TEST_ES_URL}/${collector.indexPrefix}-2*/_count`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: { term: { 'host.name': tag } } }),
  });
  const answer = (await res.json()) as { count?: number };
  if (answer.count === undefined) throw new Error(`count failed: ${JSON.stringify(answer)}`);
  return answer.count;
}

/** `gzip` with its trailer's length field (ISIZE, the inflated size mod 2^32) set to `size`. */
function withDeclaredSize(gzip: Buffer, size: number): Buffer {
  const copy = Buffer.from(gzip);
  copy.writeUInt32LE(size, copy.length - 4);
  return copy;
}

describe('compressed write bodies', () => {
  it('takes a gzip body that inflates to exactly the limit and refuses one a byte over with 413', async () => {
    const atLimit = await send(gzipSync(sizedBatch('gz-at', 500, LIMIT)), 'gzip');
    expect(atLimit).toMatchObject({ status: 200, body: { accepted: 500, rejected: 0 } });
    const over = await send(gzipSync(sizedBatch('gz-over', 500, LIMIT + 1)), 'gzip');
    expect([over.status, over.body.error?.code]).toEqual([413, 'INGEST_BODY_TOO_LARGE']);
    // The same bounds without compression.
    expect(await send(sizedBatch('plain-at', 400, LIMIT))).toMatchObject({ status: 200, body: { accepted: 400 } });
    const plainOver = await send(sizedBatch('plain-over', 400, LIMIT + 1));
    expect([plainOver.status, plainOver.body.error?.code]).toEqual([413, 'INGEST_BODY_TOO_LARGE']);
    expect([await stored('gz-at'), await stored('gz-over')]).toEqual([500, 0]);
    expect([await stored('plain-at'), await stored('plain-over')]).toEqual([400, 0]);
  });

  it('refuses a gzip body cut short or altered with 400 and stores none of it', async () => {
    const whole = gzipSync(sizedBatch('cut', 300, 60_000));
    const truncated = await send(whole.subarray(0, whole.length - 9), 'gzip');
    expect([truncated.status, truncated.body.error?.code]).toEqual([400, 'INGEST_BAD_BODY']);
    const flipped = Buffer.from(whole);
    flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
    const altered = await send(flipped, 'gzip');
    expect([altered.status, altered.body.error?.code]).toEqual([400, 'INGEST_BAD_BODY']);
    expect(await stored('cut')).toBe(0);
  });

  it('does not trust the size a gzip trailer declares: a lie is a corrupt body, whatever it claims', async () => {
    const body = gzipSync(sizedBatch('lie', 300, 60_000));
    // 4 GiB - 1: were it trusted, one small request would allocate gigabytes (or be taken for too large).
    const huge = await send(withDeclaredSize(body, 0xffffffff), 'gzip');
    expect([huge.status, huge.body.error?.code]).toEqual([400, 'INGEST_BAD_BODY']);
    const small = await send(withDeclaredSize(body, 10), 'gzip');
    expect([small.status, small.body.error?.code]).toEqual([400, 'INGEST_BAD_BODY']);
    expect(await stored('lie')).toBe(0);
    // The truth gets in.
    expect(await send(body, 'gzip')).toMatchObject({ status: 200, body: { accepted: 300 } });
  });

  it('inflates every member of a multi-member gzip body and deflate bodies, within the limit', async () => {
    // The trailer declares only the last member's size, far less than the whole: all of it still arrives.
    const members = Buffer.concat([
      gzipSync(sizedBatch('multi-a', 400, 120_000)),
      gzipSync(sizedBatch('multi-b', 10, 2_000)),
    ]);
    expect(await send(members, 'gzip')).toMatchObject({ status: 200, body: { accepted: 410, rejected: 0 } });
    const tooMuch = Buffer.concat([
      gzipSync(sizedBatch('multi-c', 400, 120_000)),
      gzipSync(sizedBatch('multi-d', 300, 80_001)),
    ]);
    const refused = await send(tooMuch, 'gzip');
    expect([refused.status, refused.body.error?.code]).toEqual([413, 'INGEST_BODY_TOO_LARGE']);
    expect(await send(deflateSync(sizedBatch('deflate', 500, LIMIT)), 'deflate')).toMatchObject({
      status: 200,
      body: { accepted: 500 },
    });
    const unknown = await send(gzipSync(sizedBatch('compress', 10, 2_000)), 'compress');
    expect([unknown.status, unknown.body.error?.code]).toEqual([415, 'INGEST_UNSUPPORTED_ENCODING']);
    expect(
      await Promise.all(['multi-a', 'multi-b', 'multi-c', 'multi-d', 'deflate', 'compress'].map((t) => stored(t))),
    ).toEqual([400, 10, 0, 0, 500, 0]);
  });

  it('dead-letters the exact line of an event Elasticsearch refuses in a gzip body, inflating the body again', async () => {
    // Today's index maps labels.shape as an object: an event whose label `shape` is a text is refused
    // (mapper_parsing_exception), the only kind of refusal that needs the request's line after the store answered.
    const now = new Date();
    const day = now.toISOString().slice(0, 10).replaceAll('-', '.');
    const index = `${process.env.LOGSHIP_TEST_ES_URL}/${collector.indexPrefix}-${day}`;
    // Made by the tests above, or here (through logship's template, as the collector would).
    await fetch(index, { method: 'PUT' });
    const mapped = await fetch(`${index}/_mapping`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { labels: { properties: { shape: { type: 'object' } } } } }),
    });
    expect(mapped.status).toBe(200);
    const line = (i: number, fields?: Record<string, string>) =>
      JSON.stringify({
        id: `refused-${i}`,
        timestamp: now.toISOString(),
        host: 'refused',
        message: `m é ${i}`,
        fields,
      });
    const lines = Array.from({ length: 300 }, (_, i) =>
      line(i, i === 7 || i === 250 ? { shape: `round ${i}` } : undefined),
    );
    // A blank line and CRLF endings: the line numbers and texts must still be the ones sent.
    const body = Buffer.from(`${lines.slice(0, 100).join('\r\n')}\r\n\n${lines.slice(100).join('\n')}\n`);
    const answer = await postIngest<{ accepted: number; rejected: number; errors: { line: number; code: string }[] }>(
      collector.url,
      collector.tokens.ingest,
      gzipSync(body),
      { 'content-encoding': 'gzip' },
    );
    expect(answer.status).toBe(200);
    expect({ ...answer.body, errors: answer.body.errors.map((e) => [e.line, e.code]) }).toMatchObject({
      accepted: 298,
      rejected: 2,
      errors: [
        [8, 'STORE_REJECTED'],
        [252, 'STORE_REJECTED'],
      ],
    });
    expect(await stored('refused')).toBe(298);
    await fetch(`${process.env.LOGSHIP_TEST_ES_URL}/${collector.indexPrefix}-deadletter-*/_refresh`, {
      method: 'POST',
    });
    const listed = await fetch(`${collector.url}/api/v1/deadletter?code=STORE_REJECTED&limit=10`, {
      headers: { authorization: `Bearer ${collector.tokens.admin}` },
    });
    const letters = ((await listed.json()) as { dead_letters: { original?: string }[] }).dead_letters;
    expect(letters.map((d) => d.original).sort()).toEqual([lines[250], lines[7]]);
  });
});
