import { decodedLines } from '../../../support/decoded-lines.js';
import { LineOriginals } from '../../../../collector/ingest/line-originals.js';
import { BufferPool } from '../../../../collector/store/buffer-pool.js';

function kept(text: string) {
  const body = Buffer.from(text);
  const decoded = decodedLines(body, 1 << 20);
  const originals = new LineOriginals();
  for (const line of decoded.lines) originals.add(line);
  originals.keep(body, new BufferPool(1));
  // What a caller may do with the body while the store works: it is reused, and the originals do not change.
  body.fill(0x20);
  return { decoded, originals };
}

describe('LineOriginals', () => {
  it('keeps no copy of a body it can read again: reads it once, at the first line asked for', () => {
    const text = '{"message":"a"}\r\n\nnot json\n{"message":"bé"}\n{"message":"c"}';
    const decoded = decodedLines(Buffer.from(text), 1 << 20);
    const originals = new LineOriginals();
    for (const line of decoded.lines) originals.add(line);
    let reads = 0;
    originals.keepRereadable(() => {
      reads++;
      return Buffer.from(text);
    });
    expect(reads).toBe(0);
    expect([2, 0, 1, 2].map((i) => [originals.line(i), originals.original(i)])).toEqual([
      [5, '{"message":"c"}'],
      [1, '{"message":"a"}'],
      [4, '{"message":"bé"}'],
      [5, '{"message":"c"}'],
    ]);
    expect(reads).toBe(1);
    originals.release();
    expect(() => originals.original(0)).toThrow('neither kept nor can be read again');
  });

  it('gives back each line of an ASCII body exactly, with its line number, from its own copy', () => {
    const { decoded, originals } = kept('{"message":"one"}\r\n\n  {"message":"two" }\nnot json\n{"message":"three"}');
    expect(decoded.lines.map((l) => l.bytes === l.text.length)).toEqual([true, true, true]);
    expect([0, 1, 2].map((i) => [originals.line(i), originals.original(i)])).toEqual([
      [1, '{"message":"one"}'],
      [3, '  {"message":"two" }'],
      [5, '{"message":"three"}'],
    ]);
    originals.release();
  });

  it('keeps the texts of lines that are not ASCII, and copies the others', () => {
    const { originals } = kept('{"message":"héllo"}\n{"message":"plain"}\n{"message":"日本 \u{1F600}"}\n');
    expect([originals.original(0), originals.original(1), originals.original(2)]).toEqual([
      '{"message":"héllo"}',
      '{"message":"plain"}',
      '{"message":"日本 \u{1F600}"}',
    ]);
    expect(originals.line(2)).toBe(3);
  });

  it('copies only the lines it is given: a body whose lines were all refused takes no memory', () => {
    const body = Buffer.from('{"message":"refused"}\n');
    const decoded = decodedLines(body, 1 << 20);
    const pool = new BufferPool(1);
    const free = pool.take(100);
    free.release();
    const none = new LineOriginals();
    none.keep(body, pool);
    none.release();
    // The pool's one free buffer was not taken: the next taker gets it.
    expect(pool.take(100).bytes.buffer).toBe(free.bytes.buffer);
    const some = new LineOriginals();
    some.add(decoded.lines[0]!);
    some.keep(body, new BufferPool(1));
    expect(some.original(0)).toBe('{"message":"refused"}');
  });

  it('finds every line again in any order, across runs broken by blank and refused lines and CRLF endings', () => {
    const lines = [
      '{"message":"a"}\r',
      '{"message":"b"}\r',
      '',
      'not json',
      '{"message":"c"}',
      '{"message":"dé"}',
      '{"message":"e\\n"}\r',
      '{"message":"f"}',
    ];
    const { decoded, originals } = kept(lines.join('\n'));
    expect(decoded.lines).toHaveLength(6);
    const expected: [number, string][] = [
      [1, '{"message":"a"}'],
      [2, '{"message":"b"}'],
      [5, '{"message":"c"}'],
      [6, '{"message":"dé"}'],
      [7, '{"message":"e\\n"}'],
      [8, '{"message":"f"}'],
    ];
    for (const order of [
      [0, 1, 2, 3, 4, 5],
      [5, 4, 3, 2, 1, 0],
      [3, 0, 5, 2, 2, 4, 1],
    ]) {
      expect(order.map((i) => [originals.line(i), originals.original(i)])).toEqual(order.map((i) => expected[i]));
    }
    expect(() => originals.original(6)).toThrow(RangeError);
    originals.release();
  });
});
