import { isUtf8 } from 'node:buffer';
import type { FileHandle } from 'node:fs/promises';
import { CHECK_BYTES } from './file-identity.js';

/** One complete line of a file. */
export interface Line {
  /** Byte offset of the line's first byte. */
  offset: number;
  /** Byte offset just past its newline: where reading resumes once this line is acknowledged. */
  nextOffset: number;
  /** The line without `\n` / `\r\n`, cut to max_line_bytes, invalid UTF-8 replaced by U+FFFD. */
  text: string;
  /** The line's length in bytes (without the line ending) when it was cut; undefined when it was not. */
  originalBytes: number | undefined;
  /** True when the bytes were not valid UTF-8. */
  invalidUtf8: boolean;
  /** The line's bytes (as cut) when they were not valid UTF-8, so the original stays recoverable. */
  raw?: Buffer;
  /**
   * Where the line's content bytes are: `buf[start, end)`. Only set on lines straight from a LineReader, and only
   * valid until the reader goes on (the read buffer is reused): consumers copy what they keep.
   */
  buf?: Buffer;
  start?: number;
  end?: number;
}

/**
 * A line as the reader hands it out: one object per reader, refilled for every line (valid until the next
 * nextLine() call, like the bytes it points to). Its text is decoded only when asked for (multiline matching,
 * flagged lines), so the shipping hot path copies bytes instead of building a string per line.
 */
class ReaderLine implements Line {
  offset = 0;
  nextOffset = 0;
  buf: Buffer = EMPTY;
  start = 0;
  end = 0;
  originalBytes: number | undefined = undefined;
  invalidUtf8 = false;
  raw: Buffer | undefined = undefined;
  private decoded: string | undefined = undefined;

  set(
    offset: number,
    nextOffset: number,
    buf: Buffer,
    start: number,
    end: number,
    originalBytes: number | undefined,
    invalidUtf8: boolean,
  ): this {
    this.offset = offset;
    this.nextOffset = nextOffset;
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.originalBytes = originalBytes;
    this.invalidUtf8 = invalidUtf8;
    // A copy: the bytes point into the read buffer, which the next read overwrites.
    this.raw = invalidUtf8 ? Buffer.from(buf.subarray(start, end)) : undefined;
    this.decoded = undefined;
    return this;
  }

  get text(): string {
    return (this.decoded ??= this.buf.toString('utf8', this.start, this.end));
  }
}

const EMPTY = Buffer.alloc(0);

/** Options of a LineReader. */
export interface LineReaderOptions {
  maxLineBytes: number;
  /** Bytes per read() call: 64 KiB unless set (tests make it small to cut lines across reads). */
  chunkBytes?: number;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

/** Bytes per read() call; 64 KiB is large enough to amortise syscalls. */
const CHUNK_BYTES = 64 * 1024;
/** A read buffer holds a chunk plus the bytes before it that the read checks (see fill()). */
const BUFFER_BYTES = CHUNK_BYTES + CHECK_BYTES;
/** How many free read buffers are kept for the next reader that reads. */
const FREE_CHUNKS_KEPT = 16;
/**
 * Read buffers not in use, shared by every reader: a reader holds one only while it takes lines from it, not while
 * its file has nothing new or the batcher holds it back. So read memory follows the files being read at this
 * moment, not the files open (100 busy files held 100 buffers, 6.4 MB, nearly all of them waiting their turn).
 */
const freeChunks: Buffer[] = [];

function takeChunk(size: number): Buffer {
  return (size === BUFFER_BYTES ? freeChunks.pop() : undefined) ?? Buffer.allocUnsafe(size);
}

function giveChunk(chunk: Buffer): void {
  if (chunk.length === BUFFER_BYTES && freeChunks.length < FREE_CHUNKS_KEPT) freeChunks.push(chunk);
}

/**
 * Where a cut at `end` does not split a UTF-8 character: truncating in the middle of one would make a valid line
 * look invalid.
 */
function utf8SafeEnd(b: Buffer, end: number): number {
  for (let i = end - 1; i >= 0 && i >= end - 4; i--) {
    const c = b[i]!;
    if ((c & 0xc0) === 0x80) continue; // a continuation byte: the character started earlier
    const len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return i + len <= end ? end : i;
  }
  return end;
}

/**
 * Reads complete lines from an open file, starting at a byte offset. An incomplete last line is kept until its
 * newline arrives. Memory is bounded by max_line_bytes plus a read buffer while lines are taken (from a free
 * list shared by all readers): the part of an over-long line past the limit is counted and skipped, never
 * buffered.
 */
export class LineReader {
  private readonly maxLineBytes: number;
  private readonly chunkBytes: number;
  /** The read buffer while lines are taken from it (from the shared free list). */
  private chunk: Buffer | undefined;
  /** Next byte to read from the file. */
  private readPos: number;
  /** Offset of the first byte of the line being assembled (= the next line to emit). */
  private lineStart: number;
  /** Kept bytes of the incomplete line (at most maxLineBytes in total). */
  private pending: Buffer[] = [];
  private pendingKept = 0;
  /** Bytes of the incomplete line seen so far, kept or skipped. */
  private pendingSeen = 0;
  private pendingLastByte = -1;
  /** The last bytes read (just before readPos), to notice a file truncated and regrown between two reads. */
  private readonly check = Buffer.alloc(CHECK_BYTES);
  /** How many bytes of `check` are valid; 0 when not known (a new reader at 0, a rewind across chunks). */
  private checkLen = 0;
  /** The bytes of the last read and where nextLine() goes on in them. */
  private buf: Buffer = EMPTY;
  private scan = 0;
  /** The file offset of `buf[0]`. */
  private bufPos = 0;
  /** `buf[validFrom, validTo)` is known to be valid UTF-8 (checked once per read, not per line). */
  private validFrom = 0;
  private validTo = 0;
  /** The last read was short: the end of the file as it is now was reached. */
  private atEnd = false;
  private replaced = false;
  private readonly line = new ReaderLine();

  constructor(
    private readonly fh: FileHandle,
    startOffset: number,
    options: LineReaderOptions,
  ) {
    this.maxLineBytes = options.maxLineBytes;
    this.chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
    this.readPos = startOffset;
    this.lineStart = startOffset;
  }

  /** Up to CHECK_BYTES bytes just before `position` as they were read (empty when not known). */
  get checkBytes(): Buffer {
    return this.check.subarray(CHECK_BYTES - this.checkLen);
  }

  /** Sets the bytes before the start offset, read by the caller when it resumes in the middle of a file. */
  seedCheck(bytes: Buffer): void {
    this.checkLen = 0;
    this.rememberRead(bytes);
  }

  /** Keeps the last CHECK_BYTES bytes read, right-aligned in `check`. */
  private rememberRead(bytes: Buffer): void {
    if (bytes.length >= CHECK_BYTES) {
      bytes.copy(this.check, 0, bytes.length - CHECK_BYTES);
      this.checkLen = CHECK_BYTES;
      return;
    }
    const keep = Math.min(this.checkLen, CHECK_BYTES - bytes.length);
    this.check.copy(this.check, CHECK_BYTES - bytes.length - keep, CHECK_BYTES - keep);
    bytes.copy(this.check, CHECK_BYTES - bytes.length);
    this.checkLen = keep + bytes.length;
  }

  /**
   * The last fill() found that the file no longer holds the bytes read just before the read position: it was
   * truncated (and maybe written again past that position) since. Nothing of that read was used; the file's
   * content is new and must be read as a new generation from its start.
   */
  get changed(): boolean {
    return this.replaced;
  }

  /** How far the file has been read (lines emitted plus a buffered incomplete line). */
  get position(): number {
    return this.readPos;
  }

  /** Offset of the next line that will be emitted. */
  get nextLineOffset(): number {
    return this.lineStart;
  }

  /**
   * Reads the next chunk of the file; its lines then come from nextLine(). False when there is nothing more to
   * read now: the end of the file as it is now was reached (a short read ends a pass; the next call reads again).
   * Call it only once nextLine() has returned undefined. False with `changed` set: the file was replaced under
   * the reader.
   *
   * Each read starts with the (up to CHECK_BYTES) bytes already read just before the read position, and goes on
   * only if they are still there. A file truncated and written again while the reader waited (the batcher held it
   * back, or between two reads) would otherwise be read on from the old position under the old content's ids:
   * its new lines before that position were never sent, one line joined old and new bytes, and a restart sent the
   * rest again under the new content's ids. One read does both, so nothing can change between the check and the
   * bytes used.
   */
  async fill(): Promise<boolean> {
    if (this.scan < this.buf.length) throw new Error('LineReader.fill() called before the last chunk was used up');
    if (this.atEnd) {
      this.atEnd = false;
      this.releaseChunk();
      return false;
    }
    const chunk = (this.chunk ??= takeChunk(this.chunkBytes + CHECK_BYTES));
    const before = this.checkLen;
    const { bytesRead } = await this.fh.read(chunk, 0, before + this.chunkBytes, this.readPos - before);
    if (bytesRead < before || !chunk.subarray(0, before).equals(this.checkBytes)) {
      this.replaced = true;
      this.releaseChunk();
      return false;
    }
    const fresh = bytesRead - before;
    if (fresh === 0) {
      this.releaseChunk();
      return false;
    }
    this.bufPos = this.readPos;
    this.readPos += fresh;
    // A short read means we reached the end of the file as it is now; the next change event reads on.
    this.atEnd = fresh < this.chunkBytes;
    const buf = chunk.subarray(before, bytesRead);
    this.rememberRead(buf);
    this.buf = buf;
    this.scan = 0;
    // Lines are cut at newlines, which never occur inside a UTF-8 character, so one check of the chunk's whole
    // lines serves all of them; a chunk that fails it is checked line by line. A line continued from the last
    // chunk is checked on its own.
    const continued = this.pending.length > 0;
    const from = continued ? buf.indexOf(NEWLINE) + 1 : 0;
    const to = buf.lastIndexOf(NEWLINE);
    const valid = (!continued || from > 0) && from < to && isUtf8(buf.subarray(from, to));
    this.validFrom = valid ? from : 0;
    this.validTo = valid ? to : 0;
    return true;
  }

  /**
   * The next complete line of the last chunk read, or undefined when it has none left (an incomplete last line is
   * kept for the next chunk). The line object and its bytes are valid until the next call.
   */
  nextLine(): Line | undefined {
    const buf = this.buf;
    const start = this.scan;
    if (start >= buf.length) return undefined;
    const nl = buf.indexOf(NEWLINE, start);
    if (nl < 0) {
      this.keepPartial(buf.subarray(start));
      this.scan = buf.length;
      return undefined;
    }
    this.scan = nl + 1;
    return this.complete(buf, start, nl, this.bufPos + nl + 1);
  }

  /**
   * Forgets what was read past the last line handed out (the caller stopped early): the next fill() reads from
   * there again, so no line is skipped.
   */
  rewind(): void {
    if (this.readPos !== this.lineStart) {
      // The bytes before the line start stay the check when the last chunk holds them (not when a partial line
      // spans chunks): the next read is then checked too.
      const end = this.lineStart - this.bufPos;
      this.checkLen = 0;
      if (end >= 0 && end <= this.buf.length) this.rememberRead(this.buf.subarray(Math.max(0, end - CHECK_BYTES), end));
      this.readPos = this.lineStart;
    }
    this.resetPending();
    this.buf = EMPTY;
    this.scan = 0;
    this.atEnd = false;
    this.releaseChunk();
  }

  /**
   * Gives the read buffer back while the caller waits (the batcher holds it back); the lines left in it are read
   * from the file again by the next fill(). Only between lines: the last line handed out must have been used.
   */
  park(): void {
    if (this.scan < this.buf.length) {
      // Mid-chunk no partial line is kept (the chunk's first line took it), so rewinding is exact; the bytes
      // before the new read position are still here to check the file against.
      const end = this.lineStart - this.bufPos;
      this.checkLen = 0;
      this.rememberRead(this.buf.subarray(Math.max(0, end - CHECK_BYTES), end));
      this.readPos = this.lineStart;
      this.atEnd = false;
    }
    this.buf = EMPTY;
    this.scan = 0;
    this.releaseChunk();
  }

  private releaseChunk(): void {
    if (this.chunk) giveChunk(this.chunk);
    this.chunk = undefined;
  }

  private keepPartial(piece: Buffer): void {
    if (piece.length === 0) return;
    this.pendingSeen += piece.length;
    this.pendingLastByte = piece[piece.length - 1]!;
    const room = this.maxLineBytes - this.pendingKept;
    if (room > 0) {
      // A copy, so the read buffer can be reused: a fresh 64 KiB buffer per chunk (the partial line at its end
      // pointing into it) made memory grow with throughput until the next full garbage collection.
      const kept = Buffer.from(piece.length <= room ? piece : piece.subarray(0, room));
      this.pending.push(kept);
      this.pendingKept += kept.length;
    }
  }

  private resetPending(): void {
    this.pending = [];
    this.pendingKept = 0;
    this.pendingSeen = 0;
    this.pendingLastByte = -1;
  }

  /**
   * Builds the line ending at `chunk[pieceEnd]` (its newline), starting at `pieceStart` in the chunk, together with
   * any kept partial bytes.
   */
  private complete(chunk: Buffer, pieceStart: number, pieceEnd: number, nextOffset: number): Line {
    const offset = this.lineStart;
    this.lineStart = nextOffset;
    const pieceLength = pieceEnd - pieceStart;
    if (this.pending.length === 0 && pieceLength <= this.maxLineBytes) {
      // Fast path: the whole line is inside this chunk, no copy and no view object.
      const end = pieceLength > 0 && chunk[pieceEnd - 1] === CR ? pieceEnd - 1 : pieceEnd;
      const valid = (pieceStart >= this.validFrom && end <= this.validTo) || isUtf8(chunk.subarray(pieceStart, end));
      return this.line.set(offset, nextOffset, chunk, pieceStart, end, undefined, !valid);
    }
    const piece = chunk.subarray(pieceStart, pieceEnd);
    let bytes: Buffer;
    let seen: number;
    let lastByte: number;
    if (this.pending.length === 0) {
      bytes = piece.length <= this.maxLineBytes ? piece : piece.subarray(0, this.maxLineBytes);
      seen = piece.length;
      lastByte = piece.length > 0 ? piece[piece.length - 1]! : -1;
    } else {
      seen = this.pendingSeen + piece.length;
      lastByte = piece.length > 0 ? piece[piece.length - 1]! : this.pendingLastByte;
      const room = this.maxLineBytes - this.pendingKept;
      if (room > 0 && piece.length > 0) this.pending.push(piece.length <= room ? piece : piece.subarray(0, room));
      bytes = Buffer.concat(this.pending);
      this.resetPending();
    }
    const contentBytes = lastByte === CR ? seen - 1 : seen;
    let end = Math.min(contentBytes, bytes.length);
    let originalBytes: number | undefined;
    if (contentBytes > this.maxLineBytes) {
      originalBytes = contentBytes;
      end = utf8SafeEnd(bytes, end);
    }
    const content = end === bytes.length ? bytes : bytes.subarray(0, end);
    return this.line.set(offset, nextOffset, content, 0, content.length, originalBytes, !isUtf8(content));
  }
}
