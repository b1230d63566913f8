import type { FileHandle } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { IngestEvent } from '../protocol/event.js';
import type { Batcher } from './batcher.js';
import type { InputConfig } from './config.js';
import { eventIdPrefix, writeUint } from './event-id.js';
import {
  bytesBefore,
  bytesBeforeSync,
  contentKey,
  generationKey,
  identifyFile,
  identityKey,
  nextGenerationKey,
  saltedKey,
  type FileIdentity,
} from './file-identity.js';
import { LineReader, type Line } from './line-reader.js';
import { MultilineGrouper } from './multiline.js';
import { multilineStart } from './multiline-presets.js';
import type { Registry, RegistryEntry } from './registry.js';

/**
 * One readable generation of one file: the unit whose offsets are acknowledged and committed. A truncated file
 * gets a new Source, and the old one is retired so late acknowledgements of its batches cannot move the new
 * content's offset.
 */
export interface Source {
  readonly identity: FileIdentity;
  /** The registry key of the file (dev:ino:fingerprint). */
  readonly key: string;
  /** How often the file was truncated and refilled with the same first line. */
  readonly generation: number;
  /** What event ids are derived from (stored in the registry, so a restart keeps the ids). */
  readonly idKey: string;
  readonly harvester: Harvester;
  /** The last acknowledged offset. */
  committed: number;
  /** Replaced after a truncation: its commits are ignored. */
  retired: boolean;
  /** The file was deleted and fully read: its commits remove the registry entry instead of writing it. */
  deleted: boolean;
}

/** What a harvester needs from the shipper. */
export interface HarvesterContext {
  host: string;
  /** The shipper's IANA time zone, sent with every event. */
  tz: string;
  registry: Registry;
  batcher: Batcher<Source>;
  logger: Logger;
  isStopping(): boolean;
  /** Counts what a harvester read and flagged (metrics). */
  onRead(input: InputConfig, lines: number, bytes: number): void;
  onFlagged(input: InputConfig, reason: 'truncated' | 'invalid_utf8'): void;
  onTruncation(reason: string): void;
  /** Every open harvester: a new file may be a copy of one of them (copytruncate seen while running). */
  harvesters(): Iterable<Harvester>;
  /**
   * Runs file identifications one at a time: two files with the same first line established at once would not
   * see each other and could get the same ids.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
}

/** Where a file's read position was when it was last looked at, to recognise a copy of that content. */
interface ReadMark {
  source: Source;
  /** Offset up to which the content was read. */
  position: number;
  /** The bytes just before `position`. */
  check: Buffer;
}

/** Whether `bytes` (base64 in the registry) are what the file holds just before `offset`. */
async function tailMatches(fh: FileHandle, offset: number, tail: string | undefined): Promise<boolean> {
  if (offset === 0) return true;
  if (tail === undefined) return true; // written by an older shipper: only the size check applies
  const actual = await bytesBefore(fh, offset);
  return actual.toString('base64') === tail;
}

/** How much of two files with the same first line is compared to tell a copy from a different file. */
const PREFIX_COMPARE_BYTES = 1024 * 1024;

/** How far back start_at: end looks for the start of the current line. */
const LINE_START_WINDOW = 64 * 1024;

/** The offset of the first line at or before `size`, so start_at: end never starts in the middle of a line. */
async function lineStartBefore(fh: FileHandle, size: number): Promise<number> {
  const from = Math.max(0, size - LINE_START_WINDOW);
  const buf = Buffer.alloc(size - from);
  const { bytesRead } = await fh.read(buf, 0, buf.length, from);
  const nl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
  if (nl >= 0) return from + nl + 1;
  return from === 0 ? 0 : size;
}

/**
 * Tails one open file: establishes its identity, resumes at the committed offset, reads complete lines, groups
 * multiline records and hands events to the batcher (awaiting it: backpressure). Keeping the file open means a
 * renamed or deleted file is still read to its end.
 */
export class Harvester {
  /** The path the file was last seen at; events carry it as `source`. */
  path: string;
  /** True once no watched path refers to this file any more (renamed away or deleted). */
  orphan = false;
  /** When the file last grew or was read; orphans are closed after a quiet period. */
  lastActivity = Date.now();
  size = 0;
  nlink = 1;
  private mtimeMs = -1;
  private source: Source | undefined;
  private reader: LineReader | undefined;
  private grouper: MultilineGrouper | undefined;
  private again = false;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | null = null;
  private flushDue = false;
  private lastLineAt = 0;
  private closed = false;
  private establishing: Promise<boolean> | null = null;
  private readAtMs = 0;
  private readAtIso = '';
  /**
   * `{<shared fields>,"read_at":"<iso>","id":"<prefix>`: how every event of this file starts, rebuilt when the
   * path (a rename), the id key (a new generation) or the millisecond changes. One copy per line instead of one
   * per field.
   */
  private eventHead = Buffer.alloc(0);
  private headPath: string | undefined;
  private headIso = '';
  private headIdPrefix = '';
  private idPrefix = '';
  private idKey: string | undefined;
  /** The generation replaced by the last truncation, with where it was read to: a copy of it may show up. */
  private previous: ReadMark | undefined;
  /** Set by a truncation: the generation the new content follows. */
  private nextGeneration: { fingerprint: string; generation: number; idKey: string } | undefined;

  constructor(
    private readonly ctx: HarvesterContext,
    private readonly fh: FileHandle,
    path: string,
    readonly input: InputConfig,
    /** Present at start-up: start_at applies only to such files; files appearing later are read from the start. */
    private readonly initial: boolean,
  ) {
    this.path = path;
  }

  /** True when everything the file holds has been handed on and nothing is running. */
  get idle(): boolean {
    return !this.running && !this.grouper?.pending && (this.reader === undefined || this.reader.position >= this.size);
  }

  /** The current generation of the file (undefined until its first line is complete). */
  get current(): Source | undefined {
    return this.source;
  }

  /** The current and the previous generation with their read positions (for copy detection). */
  readMarks(): ReadMark[] {
    const out: ReadMark[] = [];
    if (this.source && this.reader && this.reader.position > 0) {
      out.push({ source: this.source, position: this.reader.position, check: this.reader.checkBytes });
    }
    if (this.previous) out.push(this.previous);
    return out;
  }

  /** Bytes in the file that the collector has not acknowledged yet. */
  get lagBytes(): number {
    return Math.max(0, this.size - (this.source?.committed ?? 0));
  }

  /**
   * The bytes before `offset` as base64, read now (synchronously, a few bytes) when an acknowledgement commits it;
   * undefined when the file is closed.
   */
  tailAt(offset: number): string | undefined {
    if (this.closed) return undefined;
    try {
      return bytesBeforeSync(this.fh.fd, offset).toString('base64');
    } catch {
      return undefined;
    }
  }

  /**
   * Identifies the file and fixes its start offset without reading lines, so start-up can settle where every
   * file starts (start_at: end means the end at start-up, not whenever the first read happens).
   */
  async prepare(): Promise<void> {
    if (this.source) return;
    const st = await this.fh.stat();
    this.size = st.size;
    await this.establishOnce(st.size);
  }

  /** Requests a read pass; passes never overlap, and requests during a pass cause one more pass. */
  kick(): void {
    if (this.closed) return;
    this.again = true;
    if (this.running) return;
    // `running` is set here and cleared synchronously when run() ends, so no kick falls between two passes.
    this.running = true;
    this.loop = this.run();
  }

  /** Resolves when the current read pass (if any) is over. */
  async settled(): Promise<void> {
    while (this.running) await this.loop;
  }

  /** Stops reading and closes the file; committed offsets are untouched. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    await this.settled();
    await this.fh.close().catch(() => undefined);
  }

  /** Marks the file deleted: its registry entry is dropped now and by later commits. */
  markDeleted(): void {
    if (!this.source) return;
    this.source.deleted = true;
    this.ctx.registry.delete(this.source.key);
  }

  /** True once every line handed on has been acknowledged (nothing would be lost by closing the file). */
  get acknowledged(): boolean {
    const s = this.source;
    if (!s || !this.reader) return true;
    return !this.grouper?.pending && s.committed >= this.reader.nextLineOffset;
  }

  private async run(): Promise<void> {
    try {
      while (this.again && !this.closed && !this.ctx.isStopping()) {
        this.again = false;
        await this.pass();
      }
    } catch (err) {
      this.ctx.logger.warn({ err, path: this.path }, 'Reading a file failed; it is retried at the next change.');
    } finally {
      this.running = false;
    }
  }

  private async pass(): Promise<void> {
    const st = await this.fh.stat();
    const changed = st.size !== this.size || st.mtimeMs !== this.mtimeMs;
    if (changed) this.lastActivity = Date.now();
    this.size = st.size;
    this.mtimeMs = st.mtimeMs;
    this.nlink = st.nlink;
    if (this.reader && st.size < this.reader.position) {
      await this.truncated(st.size, 'size below the read position');
    } else if (this.reader && changed && this.reader.position > 0) {
      // Truncated and written past the old end between two looks: the size alone cannot tell, the bytes can.
      const expected = this.reader.checkBytes;
      if (expected.length > 0) {
        const actual = await bytesBefore(this.fh, this.reader.position);
        if (!actual.subarray(actual.length - expected.length).equals(expected)) {
          await this.truncated(st.size, 'content before the read position changed');
        }
      }
    }
    if (!this.source && !(await this.establishOnce(st.size))) return;
    const reader = this.reader!;
    if (st.size > reader.position) {
      this.lastActivity = Date.now();
      let lines = 0;
      let from = reader.nextLineOffset;
      for await (const line of reader.readLines()) {
        // Counted in slices, so metrics show a reader paused by backpressure where it is, at little cost per line.
        if (++lines === 256) {
          this.ctx.onRead(this.input, lines, line.offset - from);
          lines = 0;
          from = line.offset;
        }
        if (this.grouper) {
          this.lastLineAt = Date.now();
          const record = this.grouper.push(line);
          if (record) await this.emit(record);
        } else {
          // Not `await this.emit(line)`: awaiting only when the batcher pushes back spares a promise per line.
          const wait = this.emit(line);
          if (wait) await wait;
        }
        if (this.closed || this.ctx.isStopping()) break;
      }
      this.ctx.onRead(this.input, lines, reader.nextLineOffset - from);
    }
    if (!this.closed && !this.ctx.isStopping()) await this.flushStaleRecord();
  }

  /** establish(), never twice at once (prepare() and a read pass may race). */
  private establishOnce(size: number): Promise<boolean> {
    this.establishing ??= this.ctx.exclusive(() => this.establish(size)).finally(() => (this.establishing = null));
    return this.establishing;
  }

  /** Identifies the file and picks where to start; false while its first line is incomplete. */
  private async establish(size: number): Promise<boolean> {
    if (this.source) return true;
    const identity = await identifyFile(this.fh);
    if (!identity) return false;
    const key = identityKey(identity);
    const registry = this.ctx.registry;
    const stored = registry.get(key);
    let offset = 0;
    let generation = 0;
    let why: string;
    let idKey: string | undefined;
    const forced = this.nextGeneration;
    this.nextGeneration = undefined;
    if (forced !== undefined && forced.fingerprint === identity.fingerprint) {
      // Truncated while running and refilled with the same first line: only a new generation tells the new
      // content from the old.
      generation = forced.generation + 1;
      idKey = nextGenerationKey(forced.idKey, generation);
      if (stored && stored.retired_at === undefined) registry.retire(key);
      why = 'truncated';
    } else if (stored && stored.offset <= size && (await tailMatches(this.fh, stored.offset, stored.tail))) {
      offset = stored.offset;
      generation = stored.generation ?? 0;
      idKey = stored.id_key ?? generationKey(identity, generation);
      why = 'registry';
    } else if (stored) {
      generation = (stored.generation ?? 0) + 1;
      idKey = nextGenerationKey(stored.id_key ?? generationKey(identity, 0), generation);
      registry.retire(key);
      this.ctx.onTruncation('while stopped');
      why = 'truncated while the shipper was stopped';
    } else {
      const origin = await this.copyOrigin(identity, size);
      if (origin.copyOf) {
        offset = origin.copyOf.offset;
        idKey = origin.copyOf.idKey;
        why = `a copy of ${origin.copyOf.path}`;
      } else {
        idKey = origin.distinct ? saltedKey(identity) : contentKey(identity);
        if (this.initial && this.input.start_at === 'end') {
          offset = await lineStartBefore(this.fh, size);
          why = 'start_at end';
        } else {
          why = origin.distinct ? 'new file (its first line is also the first line of another file)' : 'new file';
        }
      }
    }
    // The inode now holds other content: what was stored for it is kept only as a copy candidate.
    for (const k of registry.sameInode(identity.dev, identity.ino, key)) registry.retire(k);
    this.source = {
      identity,
      key,
      generation,
      idKey,
      harvester: this,
      committed: offset,
      retired: false,
      deleted: false,
    };
    this.reader = new LineReader(this.fh, offset, { maxLineBytes: this.input.max_line_bytes });
    if (offset > 0) this.reader.seedCheck(await bytesBefore(this.fh, offset));
    const ml = this.input.multiline;
    this.grouper = ml
      ? new MultilineGrouper({
          start: multilineStart(ml),
          maxLines: ml.max_lines,
          maxBytes: this.input.max_line_bytes,
        })
      : undefined;
    // Recording the start at once matters for start_at: end, and after a truncation it replaces the old offset.
    registry.set(this.entryFor(this.source, offset));
    this.ctx.logger.info({ path: this.path, offset, size, generation, reason: why }, 'Tailing a file.');
    return true;
  }

  /** The registry entry of a source at an acknowledged offset. */
  entryFor(source: Source, offset: number): RegistryEntry {
    const entry: RegistryEntry = { ...source.identity, path: this.path, offset };
    if (source.generation > 0) entry.generation = source.generation;
    entry.id_key = source.idKey;
    if (offset > 0) {
      const tail = this.tailAt(offset);
      if (tail !== undefined) entry.tail = tail;
    }
    return entry;
  }

  /** Up to `length` bytes from the start of the file. */
  async head(length: number): Promise<Buffer> {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await this.fh.read(buf, 0, length, 0);
    return buf.subarray(0, bytesRead);
  }

  /**
   * Whether this new file is a copy of a known one (copytruncate: a new inode with the same first bytes), told by
   * the same bytes before the known read or acknowledged offset. A copy continues at the acknowledged offset under
   * the original's ids: what was shipped is not shipped again, and the lines written just before the truncation
   * (only in the copy now) are not lost. `distinct` means a file with the same first line but other content was
   * found: the new file must not share ids with it.
   */
  private async copyOrigin(
    identity: FileIdentity,
    size: number,
  ): Promise<{ copyOf?: { offset: number; idKey: string; path: string }; distinct: boolean }> {
    let best: { offset: number; idKey: string; path: string } | undefined;
    let distinct = false;
    const same = (e: FileIdentity): boolean => e.dev === identity.dev && e.ino === identity.ino;
    const endsWith = async (position: number, expected: Buffer): Promise<boolean> => {
      const actual = await bytesBefore(this.fh, position);
      return actual.subarray(actual.length - expected.length).equals(expected);
    };
    for (const h of this.ctx.harvesters()) {
      if (h === this) continue;
      for (const mark of h.readMarks()) {
        const id = mark.source.identity;
        if (id.fingerprint !== identity.fingerprint || same(id)) continue;
        if (mark.position > size || mark.check.length === 0) continue; // a copy older than what was read: undecided
        if (await endsWith(mark.position, mark.check)) {
          if (!best || best.offset < mark.source.committed) {
            best = { offset: mark.source.committed, idKey: mark.source.idKey, path: h.path };
          }
        } else {
          distinct = true;
        }
      }
      // A file with the same first line that nothing was read from yet: compare the starts of both files.
      const other = h.current;
      if (other && other.identity.fingerprint === identity.fingerprint && !same(other.identity)) {
        if (h.readMarks().length === 0) {
          const length = Math.min(size, h.size, PREFIX_COMPARE_BYTES);
          const [mine, theirs] = await Promise.all([this.head(length), h.head(length)]);
          if (mine.equals(theirs)) best ??= { offset: other.committed, idKey: other.idKey, path: h.path };
          else distinct = true;
        }
      }
    }
    // Stored entries: a copy made while the shipper was down, or of a file no longer open.
    for (const e of this.ctx.registry.withFingerprint(identity.fingerprint)) {
      if (same(e) || e.tail === undefined || e.offset === 0 || e.offset > size) continue;
      if (await tailMatches(this.fh, e.offset, e.tail)) {
        if (!best || best.offset < e.offset) {
          best = { offset: e.offset, idKey: e.id_key ?? generationKey(e, e.generation ?? 0), path: e.path };
        }
      } else {
        distinct = true;
      }
    }
    return best ? { copyOf: best, distinct: false } : { distinct };
  }

  /** The file shrank or changed below what was read: a new generation, read from 0. */
  private async truncated(size: number, reason: string): Promise<void> {
    this.ctx.logger.info(
      { path: this.path, size, read_to: this.reader?.position, reason },
      'A file was truncated; reading it again from the start.',
    );
    this.ctx.onTruncation(reason);
    // Lines already grouped belong to the old content: send them before switching.
    const rest = this.grouper?.flush();
    if (rest) await this.emit(rest);
    if (this.source) {
      if (this.reader && this.reader.position > 0) {
        this.previous = { source: this.source, position: this.reader.position, check: this.reader.checkBytes };
      }
      this.source.retired = true;
      this.nextGeneration = {
        fingerprint: this.source.identity.fingerprint,
        generation: this.source.generation,
        idKey: this.source.idKey,
      };
      // Kept as a retired generation, so a copy made before the truncation still finds where shipping stopped.
      this.ctx.registry.retire(this.source.key);
    }
    this.source = undefined;
    this.reader = undefined;
    this.grouper = undefined;
  }

  /** Flushes a multiline record that got no continuation within `timeout`, and arms the timer for the next one. */
  private async flushStaleRecord(): Promise<void> {
    const ml = this.input.multiline;
    if (!ml || !this.grouper) return;
    if (this.flushDue) {
      this.flushDue = false;
      if (this.grouper.pending && Date.now() - this.lastLineAt >= ml.timeout) {
        const record = this.grouper.flush();
        if (record) await this.emit(record);
      }
    }
    if (this.grouper.pending && !this.flushTimer && !this.closed) {
      const wait = Math.max(0, ml.timeout - (Date.now() - this.lastLineAt));
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        this.flushDue = true;
        this.kick();
      }, wait);
    }
  }

  /** Hands one event to the batcher; returns a promise only when the caller must wait (backpressure). */
  private emit(line: Line): Promise<void> | undefined {
    const source = this.source!;
    const now = Date.now();
    // One ISO string per millisecond instead of one per line.
    if (now !== this.readAtMs) {
      this.readAtMs = now;
      this.readAtIso = new Date(now).toISOString();
    }
    if (this.idKey !== source.idKey) {
      this.idKey = source.idKey;
      this.idPrefix = eventIdPrefix(this.ctx.host, source.idKey);
    }
    if (line.originalBytes === undefined && !line.invalidUtf8) {
      // Hot path: only id, offset, read time and message change from line to line; the rest is serialised once,
      // and the event is written as bytes straight into the batch: no string, no object per line.
      this.refreshHead();
      const message = line.buf === undefined ? JSON.stringify(line.text) : undefined;
      // Escaping makes at most 6 bytes of one (a control byte as \u00XX).
      const messageMax = message === undefined ? (line.end! - line.start!) * 6 + 2 : Buffer.byteLength(message);
      const max = this.eventHead.length + 48 + messageMax;
      const batcher = this.ctx.batcher;
      const target = batcher.reserve(max);
      let wait: Promise<void> | undefined;
      if (target) {
        const at = batcher.writePosition;
        const end = this.serialize(target, at, line, message);
        wait = batcher.commitWritten(end - at, source, line.nextOffset);
      } else {
        if (max > scratch.length) scratch = Buffer.allocUnsafe(Math.max(max, scratch.length * 2));
        const end = this.serialize(scratch, 0, line, message);
        wait = batcher.addBytes(scratch, end, source, line.nextOffset);
      }
      return wait;
    }
    return this.emitFlagged(line, source);
  }

  /** A truncated or invalid UTF-8 line: rare, so a plain object and JSON.stringify keep it simple. */
  private async emitFlagged(line: Line, source: Source): Promise<void> {
    const input = this.input;
    const event: IngestEvent = {
      id: this.idPrefix + line.offset.toString(36),
      host: this.ctx.host,
      service: input.service,
      source: this.path,
      offset: line.offset,
      format: input.format,
      message: line.text,
      fields: input.fields,
      read_at: this.readAtIso,
      tz: this.ctx.tz,
      flags: [],
    };
    // Flagged lines are rare: the plain object keeps them simple.
    if (line.originalBytes !== undefined) {
      event.flags!.push('truncated');
      event.original_bytes = line.originalBytes;
      this.ctx.onFlagged(input, 'truncated');
    }
    if (line.invalidUtf8) {
      event.flags!.push('invalid_utf8');
      if (line.raw) event.original_base64 = line.raw.toString('base64');
      this.ctx.onFlagged(input, 'invalid_utf8');
    }
    const wait = this.ctx.batcher.add(JSON.stringify(event), source, line.nextOffset);
    if (wait) await wait;
  }

  /** Rebuilds the start shared by the events of this file (path, generation or millisecond changed). */
  private refreshHead(): void {
    if (this.headPath === this.path && this.headIso === this.readAtIso && this.headIdPrefix === this.idPrefix) return;
    this.headPath = this.path;
    this.headIso = this.readAtIso;
    this.headIdPrefix = this.idPrefix;
    const shared: Omit<IngestEvent, 'message' | 'id' | 'offset'> = {
      host: this.ctx.host,
      service: this.input.service,
      source: this.path,
      format: this.input.format,
      fields: this.input.fields,
      tz: this.ctx.tz,
      read_at: this.readAtIso,
    };
    const json = JSON.stringify(shared);
    this.eventHead = Buffer.from(`${json.slice(0, -1)},"id":"${this.idPrefix}`, 'utf8');
  }

  /** Writes the event of an unflagged line at `pos` of `out`; returns the position after it. */
  private serialize(out: Buffer, pos: number, line: Line, message: string | undefined): number {
    pos += this.eventHead.copy(out, pos);
    pos = writeUint(out, pos, line.offset, 36);
    pos = writeAscii(out, pos, OFFSET_KEY);
    pos = writeUint(out, pos, line.offset, 10);
    pos = writeAscii(out, pos, MESSAGE_KEY);
    if (message === undefined) pos = writeJsonString(out, pos, line.buf!, line.start!, line.end!);
    else pos += out.write(message, pos, 'utf8');
    out[pos++] = 0x7d; // }
    return pos;
  }
}

/**
 * Where an event is serialized when it cannot go straight into the open batch; the batcher copies it at once,
 * so one buffer serves every harvester (grown only for longer lines).
 */
let scratch = Buffer.allocUnsafe(16 * 1024);

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

/**
 * Writes valid UTF-8 bytes as a JSON string at `pos`; returns the position after it. Only `"`, `\` and control
 * bytes need escaping, so runs between them are copied as they are: no string and no JSON.stringify per line.
 */
function writeJsonString(out: Buffer, pos: number, buf: Buffer, start: number, end: number): number {
  out[pos++] = QUOTE;
  let i = start;
  for (;;) {
    // A read-only scan to the next byte that needs escaping, then the run before it copied: natively when long
    // (one call instead of a store per byte), byte by byte when short (a native call costs more than that).
    let j = i;
    while (j < end) {
      const c = buf[j]!;
      if (c < 0x20 || c === QUOTE || c === BACKSLASH) break;
      j++;
    }
    if (j - i >= LONG_RUN) pos += buf.copy(out, pos, i, j);
    else while (i < j) out[pos++] = buf[i++]!;
    if (j === end) break;
    const c = buf[j]!;
    out[pos++] = BACKSLASH;
    if (c === QUOTE || c === BACKSLASH) {
      out[pos++] = c;
    } else {
      const short = SHORT_ESCAPES[c];
      if (short !== undefined) out[pos++] = short;
      else pos += out.write(`u${c.toString(16).padStart(4, '0')}`, pos, 'latin1');
    }
    i = j + 1;
  }
  out[pos++] = QUOTE;
  return pos;
}

/** Runs at least this long are copied with Buffer#copy rather than byte by byte. */
const LONG_RUN = 48;
