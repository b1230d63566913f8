import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineReader, type Line } from '../../../shipper/line-reader.js';

/** Every line up to the current end of the file, as one pass of a harvester reads them. */
async function collect(reader: LineReader): Promise<Line[]> {
  const out: Line[] = [];
  while (await reader.fill()) {
    // A snapshot: the line object and its bytes are only valid until the reader goes on.
    for (let l = reader.nextLine(); l !== undefined; l = reader.nextLine()) {
      out.push({
        offset: l.offset,
        nextOffset: l.nextOffset,
        text: l.text,
        originalBytes: l.originalBytes,
        invalidUtf8: l.invalidUtf8,
        raw: l.raw,
      });
    }
  }
  return out;
}

describe('line reader', () => {
  let dir: string;
  let file: string;
  let fh: FileHandle | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'logship-reader-'));
    file = join(dir, 'app.log');
  });
  afterEach(async () => {
    await fh?.close();
    fh = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function readerFor(content: string | Buffer, offset = 0, maxLineBytes = 1024, chunkBytes?: number) {
    writeFileSync(file, content);
    fh = await open(file, 'r');
    return new LineReader(fh, offset, { maxLineBytes, chunkBytes });
  }

  it('strips CRLF and LF endings and reports exact byte offsets', async () => {
    const reader = await readerFor('GET /a 200\r\nGET /b 404\n\r\nlast\n');
    const lines = await collect(reader);
    expect(lines.map((l) => [l.offset, l.nextOffset, l.text])).toEqual([
      [0, 12, 'GET /a 200'],
      [12, 23, 'GET /b 404'],
      [23, 25, ''],
      [25, 30, 'last'],
    ]);
    expect(lines.every((l) => l.originalBytes === undefined && !l.invalidUtf8)).toBe(true);
    expect(reader.position).toBe(30);
  });

  it('holds a partial last line until its newline arrives', async () => {
    const reader = await readerFor('first\nsecond half-writ');
    expect((await collect(reader)).map((l) => l.text)).toEqual(['first']);
    expect(reader.nextLineOffset).toBe(6);
    appendFileSync(file, 'ten\nthird');
    const more = await collect(reader);
    expect(more.map((l) => [l.offset, l.text])).toEqual([[6, 'second half-written']]);
    expect(reader.nextLineOffset).toBe(26);
  });

  it('starts at a stored offset', async () => {
    const reader = await readerFor('skip me\nread me\n', 8);
    expect((await collect(reader)).map((l) => [l.offset, l.text])).toEqual([[8, 'read me']]);
  });

  it('truncates an over-long line, records original_bytes and resumes at the next line', async () => {
    const long = 'x'.repeat(250);
    // Chunks of 64 bytes make the long line span several reads (the buffered path).
    const reader = await readerFor(`${long}\r\nshort\n`, 0, 100, 64);
    const lines = await collect(reader);
    expect(lines).toHaveLength(2);
    expect(lines[0]!.text).toBe('x'.repeat(100));
    expect(lines[0]!.originalBytes).toBe(250);
    expect(lines[0]!.nextOffset).toBe(252);
    expect(lines[1]).toEqual({
      offset: 252,
      nextOffset: 258,
      text: 'short',
      originalBytes: undefined,
      invalidUtf8: false,
    });
  });

  it('truncates within one chunk too, without splitting a UTF-8 character', async () => {
    // 'é' is 2 bytes: 9 ASCII bytes + 'é' crosses the 10-byte limit in its middle.
    const reader = await readerFor('abcdefghié and more\n', 0, 10);
    const [line] = await collect(reader);
    expect(line!.text).toBe('abcdefghi');
    expect(line!.originalBytes).toBe(Buffer.byteLength('abcdefghié and more'));
    expect(line!.invalidUtf8).toBe(false);
  });

  it('flags invalid UTF-8 and replaces the bad bytes with U+FFFD', async () => {
    const bytes = Buffer.concat([Buffer.from('user='), Buffer.from([0xff, 0xfe]), Buffer.from(' ok\nvalid ü\n')]);
    const reader = await readerFor(bytes);
    const lines = await collect(reader);
    expect(lines[0]!.invalidUtf8).toBe(true);
    expect(lines[0]!.text).toBe('user=\uFFFD\uFFFD ok');
    expect(lines[1]!.invalidUtf8).toBe(false);
    expect(lines[1]!.text).toBe('valid ü');
  });

  it('gives the same lines whatever the chunk size', async () => {
    const content = Array.from({ length: 300 }, (_, i) => `${i} ${'é'.repeat(i % 37)} line\n`).join('');
    const big = await collect(await readerFor(content, 0, 1 << 20));
    await fh!.close();
    const small = await collect(await readerFor(content, 0, 1 << 20, 7));
    expect(small).toEqual(big);
    expect(big).toHaveLength(300);
    expect(big[299]!.nextOffset).toBe(Buffer.byteLength(content));
  });

  it('rewinds to just after the last line handed out when the caller stops early', async () => {
    const reader = await readerFor('one\ntwo\nthree\n');
    expect(await reader.fill()).toBe(true);
    expect(reader.nextLine()!.text).toBe('one');
    expect(reader.position).toBe(14);
    reader.rewind();
    expect(reader.position).toBe(4);
    expect((await collect(reader)).map((l) => l.text)).toEqual(['two', 'three']);
  });

  it('gives its read buffer back while held back and reads the rest again, keeping the bytes to check', async () => {
    const reader = await readerFor('first line of the file here\nsecond line, a bit longer than the first\nthird\n');
    expect(await reader.fill()).toBe(true);
    expect(reader.nextLine()!.text).toBe('first line of the file here');
    reader.park();
    expect(reader.position).toBe(28);
    expect(reader.checkBytes.toString()).toBe('first line of the file here\n'.slice(-32));
    const second = reader.nextLine();
    expect(second).toBeUndefined(); // nothing buffered while parked
    expect((await collect(reader)).map((l) => [l.offset, l.text])).toEqual([
      [28, 'second line, a bit longer than the first'],
      [69, 'third'],
    ]);
    // Parked after the chunk was used up, the position stays where reading ended.
    reader.park();
    expect([reader.position, reader.nextLineOffset]).toEqual([75, 75]);
    expect(reader.checkBytes.toString()).toBe('a bit longer than the first\nthird\n'.slice(-32));
  });

  it('notices a file truncated and written again past its position, while parked and between two reads', async () => {
    const old = 'old 1 the first line of the old file\nold 2 and its second line\nold 3 third\n';
    const fresh = 'new 1 the first line of what came after the truncation\nnew 2 x\nnew 3 y\nnew 4 z\n';
    // Parked after the first line (the batcher held it back), then the file is replaced by longer content.
    const parked = await readerFor(old);
    expect(await parked.fill()).toBe(true);
    expect(parked.nextLine()!.text).toBe('old 1 the first line of the old file');
    parked.park();
    writeFileSync(file, fresh);
    expect([await parked.fill(), parked.changed, parked.nextLine()]).toEqual([false, true, undefined]);
    await fh!.close();
    // Between two reads of 20 bytes: the second read would have started inside the new content.
    const chunked = await readerFor(old, 0, 1024, 20);
    expect(await chunked.fill()).toBe(true);
    expect(chunked.nextLine()).toBeUndefined(); // 20 bytes hold no complete line
    writeFileSync(file, fresh);
    expect([await chunked.fill(), chunked.changed]).toEqual([false, true]);
    await fh!.close();
    // Shorter than the position: the same answer (the harvester's size check usually sees this first).
    const shrunk = await readerFor(old);
    await collect(shrunk);
    writeFileSync(file, 'x\n');
    expect([await shrunk.fill(), shrunk.changed]).toEqual([false, true]);
    await fh!.close();
    // Appending is not a change: the reader goes on with the new lines.
    const appended = await readerFor(old);
    expect((await collect(appended)).map((l) => l.offset)).toEqual([0, 37, 63]);
    appendFileSync(file, 'old 4 appended\n');
    expect((await collect(appended)).map((l) => l.text)).toEqual(['old 4 appended']);
    expect(appended.changed).toBe(false);
  });

  it('refuses to read on before the lines of the last chunk were taken', async () => {
    const reader = await readerFor('one\ntwo\n');
    expect(await reader.fill()).toBe(true);
    expect(reader.nextLine()!.text).toBe('one');
    await expect(reader.fill()).rejects.toThrow('before the last chunk was used up');
  });

  it('flags exactly the invalid lines of a chunk whose other lines are valid, also across chunk borders', async () => {
    // 40 lines, every 7th with a stray 0xff; chunks of 50 bytes split lines (and the bad bytes' lines) anywhere.
    const parts: Buffer[] = [];
    for (let i = 0; i < 40; i++) {
      parts.push(Buffer.from(`line ${i} ü `), i % 7 === 3 ? Buffer.from([0xff]) : Buffer.from('ok'), Buffer.from('\n'));
    }
    for (const chunkBytes of [50, 64 * 1024]) {
      await fh?.close();
      const lines = await collect(await readerFor(Buffer.concat(parts), 0, 1024, chunkBytes));
      expect(lines).toHaveLength(40);
      expect(lines.filter((l) => l.invalidUtf8).map((l) => l.offset)).toEqual(
        lines.filter((_, i) => i % 7 === 3).map((l) => l.offset),
      );
      expect(lines[10]!.text).toBe('line 10 ü \ufffd');
      expect(lines[10]!.raw).toEqual(Buffer.concat([Buffer.from('line 10 ü '), Buffer.from([0xff])]));
      expect(lines[11]!.text).toBe('line 11 ü ok');
    }
  });
});
