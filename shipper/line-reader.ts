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
 * A line as the reader hands it out: its text is decoded only when asked for (multiline matching, tests), so
 * the shipping hot path copies bytes instead of building a string per line.
 */
class ReadLine implements Line {
  raw?: Buffer;
  private decoded: string | undefined;

  constructor(
    readonly offset: number,
    readonly nextOffset: number,
    readonly buf: Buffer,
    readonly start: number,
    readonly end: number,
    readonly originalBytes: number | undefined,
    readonly invalidUtf8: boolean,
  ) {}

  get text(): string {
    return (this.decoded ??= this.buf.toString('utf8', this.start, this.end));
  }
}

/** Options of a LineReader. */
export interface LineReaderOptions {
  maxLineBytes: number;
  /** Bytes per read() call; 64 KiB is large enough to amortise syscalls and small enough per file. */
  chunkBytes?: number;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

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
 * newline arrives. Memory is bounded by max_line_bytes plus about two chunks: the part of an over-long line past
 * the limit is counted and skipped, never buffered.
 */
export class LineReader {
  private readonly maxLineBytes: number;
  private readonly chunkBytes: number;
  private chunk: Buffer;
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
  /** How many bytes of `check` are valid; 0 after a rewind until bytes are read again. */
  private checkLen = 0;

  constructor(
    private readonly fh: FileHandle,
    startOffset: number,
    options: LineReaderOptions,
  ) {
    this.maxLineBytes = options.maxLineBytes;
    this.chunkBytes = options.chunkBytes ?? 64 * 1024;
    this.chunk = Buffer.allocUnsafe(this.chunkBytes);
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

  /** How far the file has been read (lines emitted plus a buffered incomplete line). */
  get position(): number {
    return this.readPos;
  }

  /** Offset of the next line that will be emitted. */
  get nextLineOffset(): number {
    return this.lineStart;
  }

  /**
   * Yields every complete line up to the current end of the file. Stopping early (break) rewinds to just after
   * the last line handed out, so no line is skipped by an interrupted read.
   */
  async *readLines(): AsyncGenerator<Line, void, undefined> {
    let finished = false;
    try {
      for (;;) {
        const chunk = this.chunk;
        const { bytesRead } = await this.fh.read(chunk, 0, this.chunkBytes, this.readPos);
        if (bytesRead === 0) break;
        const chunkPos = this.readPos;
        this.readPos += bytesRead;
        const buf = bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead);
        this.rememberRead(buf);
        let start = 0;
        for (;;) {
          const nl = buf.indexOf(NEWLINE, start);
          if (nl < 0) {
            this.keepPartial(buf.subarray(start));
            break;
          }
          const line = this.complete(buf, start, nl, chunkPos + nl + 1);
          start = nl + 1;
          yield line;
        }
        // A short read means we reached the end of the file as it is now; the next change event reads on.
        if (bytesRead < this.chunkBytes) break;
      }
      finished = true;
    } finally {
      if (!finished) {
        this.readPos = this.lineStart;
        this.resetPending();
        this.checkLen = 0;
      }
    }
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
      const valid = isUtf8(chunk.subarray(pieceStart, end));
      const line = new ReadLine(offset, nextOffset, chunk, pieceStart, end, undefined, !valid);
      if (!valid) line.raw = Buffer.from(chunk.subarray(pieceStart, end));
      return line;
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
    const invalidUtf8 = !isUtf8(content);
    const line = new ReadLine(offset, nextOffset, content, 0, content.length, originalBytes, invalidUtf8);
    // A copy: `content` points into the read buffer, which the next read overwrites.
    if (invalidUtf8) line.raw = Buffer.from(content);
    return line;
  }
}
