import { randomBytes } from 'node:crypto';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { compressedLimit, gzipSizeHint } from '../../../../collector/routes/body-reader.js';

describe('the sizes the write body reader plans with', () => {
  it('reads the inflated size a gzip body declares, within the limit and what deflate can hold', () => {
    const content = Buffer.from('{"message":"a line"}\n'.repeat(5000));
    const gzip = gzipSync(content);
    expect(gzipSizeHint(gzip, 1 << 20)).toBe(105_000);
    expect(gzipSizeHint(gzip, 100_000)).toBe(100_000);
    // A trailer claiming 4 GiB - 1 of a body this small is a lie: no more than 1,032 times the body is planned for.
    const lie = Buffer.from(gzip);
    lie.writeUInt32LE(0xffffffff, lie.length - 4);
    expect(gzipSizeHint(lie, 32 << 20)).toBe(lie.length * 1032);
    expect(gzipSizeHint(Buffer.alloc(17), 1 << 20)).toBe(0);
  });

  it('lets in the compressed form of an incompressible body exactly at the limit, and refuses much more', () => {
    for (const limit of [1, 1000, 200_000, 4 << 20]) {
      const content = randomBytes(limit);
      for (const compressed of [gzipSync(content, { level: 1 }), gzipSync(content), deflateSync(content)])
        expect(compressed.length).toBeLessThanOrEqual(compressedLimit(limit));
      expect(brotliCompressSync(content).length).toBeLessThanOrEqual(compressedLimit(limit));
      expect(compressedLimit(limit)).toBeLessThan(limit * 1.001 + 1100);
    }
  });
});
