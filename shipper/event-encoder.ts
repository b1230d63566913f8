import type { IngestEvent } from '../protocol/event.js';
import type { InputConfig } from './config.js';
import { eventIdPrefix, writeUint } from './event-id.js';
import type { Line } from './line-reader.js';

/** What the events of one input carry besides the line: the shipper's host and time zone, the input's settings. */
export interface EncoderContext {
  host: string;
  /** The shipper's IANA time zone, sent with every event. */
  tz: string;
  input: Pick<InputConfig, 'service' | 'format' | 'fields'>;
}

/**
 * Encodes the lines of one file as ingest events (JSON, the bytes that go into a batch). Only the id, offset, read
 * time and message change from line to line; the rest is serialised once into a head that is rebuilt when the path
 * (a rename), the id key (a new generation) or the millisecond changes, and a plain line's bytes are escaped
 * straight into the batch: no string and no object per line. The output equals JSON.stringify of the same event.
 */
export class EventEncoder {
  private path = '';
  private readAtMs = -1;
  private idKey: string | undefined;
  private idPrefix = '';
  /** `{<shared fields>,"read_at":"<iso>","id":"<prefix>`: how every event of this file starts. */
  private head = Buffer.alloc(0);
  /** Where the read time is in `head`, how long it is, and which millisecond it holds. */
  private headIsoAt = 0;
  private headIsoLength = 0;
  private headMs = -1;
  private headPath: string | undefined;
  private headIdPrefix = '';
  /** The message of a line without bytes (a multiline record), serialised by maxBytes() for write(). */
  private message: string | undefined;

  constructor(private readonly ctx: EncoderContext) {}

  /** Sets what the next events share: the file's path, its generation's id key and the read time (ms). */
  at(path: string, idKey: string, nowMs: number): void {
    this.path = path;
    this.readAtMs = nowMs;
    if (idKey !== this.idKey) {
      this.idKey = idKey;
      this.idPrefix = eventIdPrefix(this.ctx.host, idKey);
    }
  }

  /** The event id of the line at `offset` (prefix of the id key set by at(), offset in base 36). */
  idOf(offset: number): string {
    return this.idPrefix + offset.toString(36);
  }

  /** Whether a line is plain (encoded by maxBytes/write) rather than flagged (encoded by flagged()). */
  static isPlain(line: Line): boolean {
    return line.originalBytes === undefined && !line.invalidUtf8;
  }

  /** The most bytes write() can take for a plain line; call it right before write() with the same line. */
  maxBytes(line: Line): number {
    this.refreshHead();
    let messageMax: number;
    if (line.buf === undefined) {
      this.message = JSON.stringify(line.text);
      messageMax = Buffer.byteLength(this.message);
    } else {
      this.message = undefined;
      // Escaping makes at most 6 bytes of one (a control byte as \u00XX).
      messageMax = (line.end! - line.start!) * 6 + 2;
    }
    return this.head.length + 48 + messageMax;
  }

  /** Writes the event of a plain line at `pos` of `out` (room: maxBytes()); returns the position after it. */
  write(out: Buffer, pos: number, line: Line): number {
    pos += this.head.copy(out, pos);
    pos = writeUint(out, pos, line.offset, 36);
    pos = writeAscii(out, pos, OFFSET_KEY);
    pos = writeUint(out, pos, line.offset, 10);
    pos = writeAscii(out, pos, MESSAGE_KEY);
    if (this.message === undefined) pos = writeJsonString(out, pos, line.buf!, line.start!, line.end!);
    else pos += out.write(this.message, pos, 'utf8');
    out[pos++] = 0x7d; // }
    return pos;
  }

  /** The event of a truncated or invalid UTF-8 line as JSON: rare, so a plain object and JSON.stringify do. */
  flagged(line: Line): string {
    const input = this.ctx.input;
    const event: IngestEvent = {
      id: this.idOf(line.offset),
      host: this.ctx.host,
      service: input.service,
      source: this.path,
      offset: line.offset,
      format: input.format,
      message: line.text,
      fields: input.fields,
      read_at: isoTime(this.readAtMs),
      tz: this.ctx.tz,
      flags: [],
    };
    if (line.originalBytes !== undefined) {
      event.flags!.push('truncated');
      event.original_bytes = line.originalBytes;
    }
    if (line.invalidUtf8) {
      event.flags!.push('invalid_utf8');
      if (line.raw) event.original_base64 = line.raw.toString('base64');
    }
    return JSON.stringify(event);
  }

  /**
   * Brings the start shared by the events of this file up to date: rebuilt when the path or the id key changed,
   * only its read time rewritten in place when the millisecond changed (every few lines when many files are read
   * at once).
   */
  private refreshHead(): void {
    if (this.headPath === this.path && this.headIdPrefix === this.idPrefix) {
      if (this.headMs === this.readAtMs) return;
      const iso = isoTime(this.readAtMs);
      if (iso.length === this.headIsoLength) {
        this.head.write(iso, this.headIsoAt, iso.length, 'latin1');
        this.headMs = this.readAtMs;
        return;
      }
    }
    this.headPath = this.path;
    this.headIdPrefix = this.idPrefix;
    this.headMs = this.readAtMs;
    const readAt = isoTime(this.readAtMs);
    const shared: Omit<IngestEvent, 'message' | 'id' | 'offset'> = {
      host: this.ctx.host,
      service: this.ctx.input.service,
      source: this.path,
      format: this.ctx.input.format,
      fields: this.ctx.input.fields,
      tz: this.ctx.tz,
      read_at: readAt,
    };
    // read_at is the last shared field, so the read time sits at a fixed distance from the head's end.
    const json = JSON.stringify(shared);
    const idPart = `,"id":"${this.idPrefix}`;
    this.head = Buffer.from(`${json.slice(0, -1)}${idPart}`, 'utf8');
    this.headIsoLength = readAt.length;
    this.headIsoAt = this.head.length - idPart.length - 1 - readAt.length;
  }
}

let isoMs = -1;
let iso = '';

/** The ISO string of a time in ms, computed once per millisecond for every file's events. */
function isoTime(ms: number): string {
  if (ms !== isoMs) {
    isoMs = ms;
    iso = new Date(ms).toISOString();
  }
  return iso;
}

const OFFSET_KEY = Buffer.from('","offset":', 'latin1');
const MESSAGE_KEY = Buffer.from(',"message":', 'latin1');

/** Copies a short constant byte by byte: cheaper than Buffer#copy's argument checks for a dozen bytes. */
function writeAscii(out: Buffer, pos: number, bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i++) out[pos++] = bytes[i]!;
  return pos;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** JSON's short escapes of control bytes (\b \t \n \f \r); the others become \u00XX. */
const SHORT_ESCAPES: Record<number, number> = { 8: 0x62, 9: 0x74, 10: 0x6e, 12: 0x66, 13: 0x72 };
/** 1 for the bytes JSON must escape in a string: control bytes, `"` and `\`. */
const NEEDS_ESCAPE = new Uint8Array(256);
NEEDS_ESCAPE.fill(1, 0, 0x20);
NEEDS_ESCAPE[QUOTE] = 1;
NEEDS_ESCAPE[BACKSLASH] = 1;

/**
 * Writes valid UTF-8 bytes `buf[start, end)` as a JSON string at `pos` (room: 6 bytes per byte + 2); returns the
 * position after it. The bytes are those JSON.stringify would write for the decoded text: only `"`, `\` and control
 * bytes need escaping, every other byte (multi-byte characters included) is copied as it is. One loop copies and
 * checks each byte against a table: measured faster on log lines (a few quotes each) than scanning for runs and
 * copying them natively, whose per-call cost the short runs between quotes do not repay.
 */
export function writeJsonString(out: Buffer, pos: number, buf: Buffer, start: number, end: number): number {
  out[pos++] = QUOTE;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (NEEDS_ESCAPE[c] === 0) {
      out[pos++] = c;
      continue;
    }
    out[pos++] = BACKSLASH;
    if (c === QUOTE || c === BACKSLASH) {
      out[pos++] = c;
    } else {
      const short = SHORT_ESCAPES[c];
      if (short !== undefined) out[pos++] = short;
      else pos += out.write(`u${c.toString(16).padStart(4, '0')}`, pos, 'latin1');
    }
  }
  out[pos++] = QUOTE;
  return pos;
}
