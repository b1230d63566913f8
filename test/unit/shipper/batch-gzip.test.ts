import { Buffer } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { BatchGzip } from '../../../shipper/batch-gzip.js';
import { NdjsonBatch } from '../../../shipper/ndjson-batch.js';
import { seededRandom } from '../../support/seeded-random.js';

/** NDJSON-like bytes: `lines` lines of log text with some randomness, as a batch body holds. */
function body(seed: number, lines: number): Buffer {
  const random = seededRandom(seed);
  let s = '';
  for (let i = 0; i < lines; i++) {
    s += `{"host":"web-1","offset":${i},"message":"GET /api/${Math.floor(random() * 1e6)} ${'x'.repeat(Math.floor(random() * 50))}"}\n`;
  }
  return Buffer.from(s);
}

describe('batch gzip', () => {
  it('gzips each body as a complete member of its own, one after another and queued together', async () => {
    const gzip = new BatchGzip(4);
    const bodies = [body(1, 2000), body(2, 1), body(3, 5000), Buffer.alloc(0), body(4, 300)];
    for (const b of bodies) {
      const out = await gzip.gzip(b);
      expect(gunzipSync(out.body).equals(b)).toBe(true);
      out.release();
    }
    // Queued at once: each result is still its own member, in its own buffer.
    const outs = await Promise.all(bodies.map((b) => gzip.gzip(b)));
    outs.forEach((out, i) => expect(gunzipSync(out.body).equals(bodies[i]!)).toBe(true));
    // 2,000 lines of repetitive text shrink to well under a fifth.
    expect(outs[0]!.body.length).toBeLessThan(bodies[0]!.length / 5);
    for (const out of outs) out.release();
    await gzip.close();
  });

  it('reuses the buffers given back instead of allocating new ones', async () => {
    const gzip = new BatchGzip(2);
    const first = await gzip.gzip(body(5, 1000));
    const buffer = first.body.buffer;
    first.release();
    const second = await gzip.gzip(body(6, 1000));
    expect(second.body.buffer).toBe(buffer);
    expect(gunzipSync(second.body).equals(body(6, 1000))).toBe(true);
    second.release();
    await gzip.close();
  });

  it('makes a new stream after close()', async () => {
    const gzip = new BatchGzip(1);
    await gzip.close();
    const out = await gzip.gzip(body(7, 10));
    expect(gunzipSync(out.body).equals(body(7, 10))).toBe(true);
    await gzip.close();
  });

  it('lets a batch hold only its gzipped form, giving its NDJSON buffer back, and gunzips it again to split', async () => {
    const gzip = new BatchGzip(2);
    const bytes = body(8, 400);
    let givenBack = 0;
    const batch = new NdjsonBatch(Buffer.from(bytes), undefined, () => givenBack++);
    const gzipped = await gzip.gzip(batch.body);
    expect(batch.holdGzipped(gzipped)).toBe(true);
    expect(givenBack).toBe(1);
    expect(batch.gzipped).toBe(gzipped);
    // A second form is refused: the caller keeps and releases it.
    expect(batch.holdGzipped(gzipped)).toBe(false);
    // Splitting needs the events again: they come from the gzipped form.
    expect(batch.count).toBe(400);
    const [head, tail] = batch.splitAt(100);
    expect(Buffer.concat([head.body, tail.body]).equals(bytes)).toBe(true);
    // A batch without a way to give its buffer back keeps it, and the caller releases the gzipped form.
    const plain = NdjsonBatch.fromLines(['{"a":1}']);
    expect(plain.holdGzipped(gzipped)).toBe(false);
    batch.dispose();
    expect(givenBack).toBe(1);
    // The gzipped body went back to the pool: the next result reuses its buffer.
    const next = await gzip.gzip(body(9, 400));
    expect(next.body.buffer).toBe(gzipped.body.buffer);
    next.release();
    await gzip.close();
  });

  it('gives a batch buffer back when the batch is done without being gzipped', () => {
    let givenBack = 0;
    const batch = new NdjsonBatch(Buffer.from('{"a":1}\n'), undefined, () => givenBack++);
    batch.dispose();
    batch.dispose();
    expect(givenBack).toBe(1);
  });

  it('writes every batch into the same zlib output buffer instead of a new one per few batches', async () => {
    // Counts the large buffers allocated meanwhile (zlib allocates its output buffers with allocUnsafe).
    const original = Buffer.allocUnsafe;
    let largeBuffers = 0;
    Buffer.allocUnsafe = (size: number) => {
      if (size >= 256 * 1024) largeBuffers++;
      return original(size);
    };
    try {
      const large = () => largeBuffers;
      const gzip = new BatchGzip(2);
      const first = await gzip.gzip(body(10, 2000));
      first.release();
      // The stream's own output buffer, allocated when it was made.
      expect(large()).toBe(1);
      let total = 0;
      for (let i = 0; i < 40; i++) {
        const out = await gzip.gzip(body(11 + i, 2000));
        total += out.body.length;
        expect(gunzipSync(out.body).equals(body(11 + i, 2000))).toBe(true);
        out.release();
      }
      // 40 outputs would have filled several 256 KiB buffers; none was allocated.
      expect(total).toBeGreaterThan(3 * 256 * 1024);
      expect(large()).toBe(1);
      await gzip.close();
    } finally {
      Buffer.allocUnsafe = original;
    }
  });
});
