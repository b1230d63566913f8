import type { FileHandle } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Batcher } from './batcher.js';
import type { InputConfig } from './config.js';
import { EventEncoder } from './event-encoder.js';
import { bytesBefore, bytesBeforeSync, identifyFile, identityKey, type FileIdentity } from './file-identity.js';
import { LineReader, type Line } from './line-reader.js';
import { MultilineGrouper } from './multiline.js';
import { multilineStart } from './multiline-presets.js';
import type { Registry, RegistryEntry } from './registry.js';
import { decideResume, type FollowedGeneration, type OpenFileView, type ReadMark } from './resume-decision.js';

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
  /** Every open file: a new file may be a copy of one of them (copytruncate seen while running). */
  openFiles(): Iterable<OpenFileView>;
  /**
   * Runs file identifications one at a time: two files with the same first line established at once would not
   * see each other and could get the same ids.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * Tails one open file: establishes its identity, resumes at the committed offset, reads complete lines, groups
 * multiline records and hands events to the batcher (awaiting it: backpressure). Keeping the file open means a
 * renamed or deleted file is still read to its end.
 */
export class Harvester implements OpenFileView {
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
  private readonly encoder: EventEncoder;
  /** When the chunk holding the lines being handed on was read: their read_at. */
  private readAtMs = Date.now();
  /** The generation replaced by the last truncation, with where it was read to: a copy of it may show up. */
  private previous: ReadMark | undefined;
  /** Set by a truncation: the generation the new content follows. */
  private nextGeneration: FollowedGeneration | undefined;

  constructor(
    private readonly ctx: HarvesterContext,
    private readonly fh: FileHandle,
    path: string,
    readonly input: InputConfig,
    /** Present at start-up: start_at applies only to such files; files appearing later are read from the start. */
    private readonly initial: boolean,
  ) {
    this.path = path;
    this.encoder = new EventEncoder({ host: ctx.host, tz: ctx.tz, input });
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
      // Nothing more to hand on for now: files waiting for their turn at the batcher go on.
      if (this.source) this.ctx.batcher.endTurn(this.source);
    }
  }

  private async pass(): Promise<void> {
    const st = await this.fh.stat();
    const changed = st.size !== this.size || st.mtimeMs !== this.mtimeMs;
    if (changed) this.lastActivity = Date.now();
    this.size = st.size;
    this.mtimeMs = st.mtimeMs;
    this.nlink = st.nlink;
    // Truncated and written past the old end between two looks (or while the batcher held the reader back): the
    // size cannot tell, the reader's next read does (reader.changed below).
    if (this.reader && st.size < this.reader.position) await this.truncated(st.size, 'size below the read position');
    if (!this.source && !(await this.establishOnce(st.size))) return;
    const reader = this.reader!;
    if (st.size > reader.position) {
      this.lastActivity = Date.now();
      let lines = 0;
      let from = reader.nextLineOffset;
      let stopped = true;
      try {
        // Lines are taken from each chunk synchronously: a promise is awaited only per read and when the batcher
        // pushes back, not per line.
        reading: while (await reader.fill()) {
          // One clock read per chunk, not per line: every line of a chunk was read at the same moment.
          this.readAtMs = Date.now();
          for (let line = reader.nextLine(); line !== undefined; line = reader.nextLine()) {
            // Counted in slices, so metrics show a reader paused by backpressure where it is, at little cost per line.
            if (++lines === 256) {
              this.ctx.onRead(this.input, lines, line.offset - from);
              lines = 0;
              from = line.offset;
            }
            let wait: Promise<void> | undefined;
            if (this.grouper) {
              this.lastLineAt = this.readAtMs;
              const record = this.grouper.push(line);
              if (record) wait = this.emit(record);
            } else {
              wait = this.emit(line);
            }
            if (wait) {
              // Held back by the batcher: the read buffer goes back to the shared free list meanwhile.
              reader.park();
              await wait;
            }
            if (this.closed || this.ctx.isStopping()) break reading;
          }
        }
        stopped = false;
      } finally {
        // Stopped early (or failed): what was read past the last line handed on is read again next time.
        if (stopped) reader.rewind();
      }
      this.ctx.onRead(this.input, lines, reader.nextLineOffset - from);
      if (reader.changed) {
        await this.truncated(st.size, 'content before the read position changed');
        // The new content is read as a new generation in the next pass.
        this.again = true;
        return;
      }
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
    const registry = this.ctx.registry;
    const follows = this.nextGeneration;
    this.nextGeneration = undefined;
    const start = await decideResume({
      identity,
      size,
      file: this.fh,
      registry,
      others: [...this.ctx.openFiles()].filter((f) => f !== this),
      follows,
      startAtEnd: this.initial && this.input.start_at === 'end',
    });
    for (const key of start.retire) registry.retire(key);
    if (start.truncatedWhileStopped) this.ctx.onTruncation('while stopped');
    const { offset, generation } = start;
    // Read before the generation is set up: a read pass (the poll kicks every open file) goes on as soon as
    // `source` is set, and check bytes landing after it had read on would describe the resume offset, not its
    // read position. Its next read would then look like a rewritten file and start a new generation from 0,
    // sending every line again under new ids.
    const check = offset > 0 ? await bytesBefore(this.fh, offset) : undefined;
    this.source = {
      identity,
      key: identityKey(identity),
      generation,
      idKey: start.idKey,
      harvester: this,
      committed: offset,
      retired: false,
      deleted: false,
    };
    this.reader = new LineReader(this.fh, offset, { maxLineBytes: this.input.max_line_bytes });
    if (check) this.reader.seedCheck(check);
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
    this.ctx.logger.info({ path: this.path, offset, size, generation, reason: start.reason }, 'Tailing a file.');
    return true;
  }

  /**
   * The registry entry committing an acknowledged `offset`, or undefined when the file no longer holds the bytes
   * last read before the reader's position: it was truncated (and maybe written again) and no read pass has
   * noticed yet. The tail is read from the file now, so in that moment it would be the new content's bytes under
   * the old generation's offset: a restart would resume the new content there (its first lines never sent), and
   * the retired entry would no longer recognise a copy of the old content (sent again). The entry then stays as it
   * was; the next read pass notices the change and starts a new generation.
   */
  acknowledgedEntry(source: Source, offset: number): RegistryEntry | undefined {
    const entry = this.entryFor(source, offset);
    // Checked after the tail was read: a change after this check came after the tail's read too.
    return source === this.source && this.readBytesChanged() ? undefined : entry;
  }

  /** Whether the file no longer holds, just before the reader's position, the bytes read there (a few, read now). */
  private readBytesChanged(): boolean {
    const reader = this.reader;
    const check = reader?.checkBytes;
    if (this.closed || !reader || !check || check.length === 0) return false;
    try {
      const now = bytesBeforeSync(this.fh.fd, reader.position);
      return now.length < check.length || !now.subarray(now.length - check.length).equals(check);
    } catch {
      return false;
    }
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
      this.ctx.batcher.endTurn(this.source);
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
    const encoder = this.encoder;
    encoder.at(this.path, source.idKey, this.readAtMs);
    if (!EventEncoder.isPlain(line)) return this.emitFlagged(line, source);
    // Hot path: the event is written as bytes straight into the open batch when it fits.
    const max = encoder.maxBytes(line);
    const batcher = this.ctx.batcher;
    const target = batcher.reserve(max, source);
    if (target) {
      const at = batcher.writePosition;
      const end = encoder.write(target, at, line);
      return batcher.commitWritten(end - at, source, line.nextOffset);
    }
    return this.emitAside(line, source, max);
  }

  /**
   * The event does not fit the open batch now (full, held back, or a huge line): written to the shared scratch
   * buffer and added by copy. Kept out of emit() so the optimised hot path does not carry (and deoptimise on) it.
   */
  private emitAside(line: Line, source: Source, max: number): Promise<void> | undefined {
    if (max > scratch.length) scratch = Buffer.allocUnsafe(Math.max(max, scratch.length * 2));
    const end = this.encoder.write(scratch, 0, line);
    return this.ctx.batcher.addBytes(scratch, end, source, line.nextOffset);
  }

  /** A truncated or invalid UTF-8 line: counted per flag and sent as a plain JSON string (rare). */
  private emitFlagged(line: Line, source: Source): Promise<void> | undefined {
    if (line.originalBytes !== undefined) this.ctx.onFlagged(this.input, 'truncated');
    if (line.invalidUtf8) this.ctx.onFlagged(this.input, 'invalid_utf8');
    return this.ctx.batcher.add(this.encoder.flagged(line), source, line.nextOffset);
  }
}

/**
 * Where an event is serialized when it cannot go straight into the open batch; the batcher copies it at once,
 * so one buffer serves every harvester (grown only for longer lines).
 */
let scratch = Buffer.allocUnsafe(16 * 1024);
