import { decodeNdjson } from '../../../../collector/ingest/decode-ndjson.js';
import { LineOriginals } from '../../../../collector/ingest/line-originals.js';
import { BufferPool } from '../../../../collector/store/buffer-pool.js';

function kept(text: string) {
  const body = Buffer.from(text);
  const decoded = decodeNdjson(body, 1 << 20);
  const originals = new LineOriginals(body, decoded.ascii, decoded.lines, new BufferPool(1));
  // What a caller may do with the body while the store works: it is reused, and the originals do not change.
  body.fill(0x20);
  return { decoded, originals };
}

describe('LineOriginals', () => {
  it('gives back each line of an ASCII body exactly, with its line number, from its own copy', () => {
    const { decoded, originals } = kept('{"message":"one"}\r\n\n  {"message":"two" }\nnot json\n{"message":"three"}');
    expect(decoded.ascii).toBe(true);
    expect([0, 1, 2].map((i) => [originals.line(i), originals.original(i)])).toEqual([
      [1, '{"message":"one"}'],
      [3, '  {"message":"two" }'],
      [5, '{"message":"three"}'],
    ]);
    originals.release();
  });

  it('keeps the texts of a body that is not ASCII', () => {
    const { decoded, originals } = kept('{"message":"héllo"}\n{"message":"日本 \u{1F600}"}\n');
    expect(decoded.ascii).toBe(false);
    expect([originals.original(0), originals.original(1)]).toEqual([
      '{"message":"héllo"}',
      '{"message":"日本 \u{1F600}"}',
    ]);
    expect(originals.line(1)).toBe(2);
  });

  it('copies only the lines it is given: a body whose lines were all refused takes no memory', () => {
    const body = Buffer.from('{"message":"refused"}\n');
    const decoded = decodeNdjson(body, 1 << 20);
    const pool = new BufferPool(1);
    const free = pool.take(100);
    free.release();
    new LineOriginals(body, decoded.ascii, [], pool).release();
    // The pool's one free buffer was not taken: the next taker gets it.
    expect(pool.take(100).bytes.buffer).toBe(free.bytes.buffer);
    const some = new LineOriginals(body, true, decoded.lines, new BufferPool(1));
    expect(some.original(0)).toBe('{"message":"refused"}');
  });
});
