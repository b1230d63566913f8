import type { FileHandle } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { IngestEvent } from '../protocol/event.js';
import type { Batcher } from './batcher.js';
import type { InputConfig } from './config.js';
import { eventId } from './event-id.js';
import { identifyFile, identityKey, type FileIdentity } from './file-identity.js';
import { LineReader, type Line } from './line-reader.js';
import { MultilineGrouper } from './multiline.js';
import type { Registry } from './registry.js';

/**
 * One readable generation of one file: the unit whose offsets are acknowledged and committed. A truncated file
 * gets a new Source, and the old one is retired so late acknowledgements of its batches cannot move the new
 * content's offset.
 */
export interface Source {
  readonly identity: FileIdentity;
  readonly key: string;
  readonly harvester: Harvester;
  /** Replaced after a truncation: its commits are ignored. */
  retired: boolean;
  /** The file was deleted and fully read: its commits remove the registry entry instead of writing it. */
  deleted: boolean;
}

/** What a harvester needs from the shipper. */
export interface HarvesterContext {
  host: string;
  registry: Registry;
  batcher: Batcher<Source>;
  logger: Logger;
  isStopping(): boolean;
}

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

  constructor(
    private readonly ctx: HarvesterContext,
    private readonly fh: FileHandle,
    path: string,
    private readonly input: InputConfig,
    /** Present at start-up: start_at applies only to such files; files appearing later are read from the start. */
    private readonly initial: boolean,
  ) {
    this.path = path;
  }

  /** True when everything the file holds has been handed on and nothing is running. */
  get idle(): boolean {
    return !this.running && !this.grouper?.pending && (this.reader === undefined || this.reader.position >= this.size);
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
    if (st.size !== this.size) this.lastActivity = Date.now();
    this.size = st.size;
    this.nlink = st.nlink;
    if (this.reader && st.size < this.reader.position) await this.truncated(st.size);
    if (!this.source && !(await this.establishOnce(st.size))) return;
    const reader = this.reader!;
    if (st.size > reader.position) {
      this.lastActivity = Date.now();
      for await (const line of reader.readLines()) {
        if (this.grouper) {
          this.lastLineAt = Date.now();
          const record = this.grouper.push(line);
          if (record) await this.emit(record);
        } else {
          await this.emit(line);
        }
        if (this.closed || this.ctx.isStopping()) break;
      }
    }
    if (!this.closed && !this.ctx.isStopping()) await this.flushStaleRecord();
  }

  /** establish(), never twice at once (prepare() and a read pass may race). */
  private establishOnce(size: number): Promise<boolean> {
    this.establishing ??= this.establish(size).finally(() => (this.establishing = null));
    return this.establishing;
  }

  /** Identifies the file and picks where to start; false while its first line is incomplete. */
  private async establish(size: number): Promise<boolean> {
    if (this.source) return true;
    const identity = await identifyFile(this.fh);
    if (!identity) return false;
    const key = identityKey(identity);
    const stored = this.ctx.registry.get(key);
    let offset: number;
    let why: string;
    if (stored && stored.offset <= size) {
      offset = stored.offset;
      why = 'registry';
    } else if (stored) {
      offset = 0;
      why = 'registry offset beyond the end: truncated while stopped';
    } else if (this.initial && this.input.start_at === 'end') {
      offset = await lineStartBefore(this.fh, size);
      why = 'start_at end';
    } else {
      offset = 0;
      why = 'new file';
    }
    this.source = { identity, key, harvester: this, retired: false, deleted: false };
    this.reader = new LineReader(this.fh, offset, { maxLineBytes: this.input.max_line_bytes });
    const ml = this.input.multiline;
    this.grouper = ml
      ? new MultilineGrouper({
          start: new RegExp(ml.start),
          maxLines: ml.max_lines,
          maxBytes: this.input.max_line_bytes,
        })
      : undefined;
    // Recording the start at once matters for start_at: end, and after a truncation it replaces the old offset.
    this.ctx.registry.set({ ...identity, path: this.path, offset });
    this.ctx.logger.info({ path: this.path, offset, size, reason: why }, 'Tailing a file.');
    return true;
  }

  /** The file shrank below what was read: copytruncate rotation; the new content is a new Source read from 0. */
  private async truncated(size: number): Promise<void> {
    this.ctx.logger.info(
      { path: this.path, size, read_to: this.reader?.position },
      'A file was truncated; reading it again from the start.',
    );
    // Lines already grouped belong to the old content: send them before switching.
    const rest = this.grouper?.flush();
    if (rest) await this.emit(rest);
    if (this.source) {
      this.source.retired = true;
      // If the new content starts with the same first line it has the same identity: the old offset must not
      // make the shipper skip it.
      this.ctx.registry.delete(this.source.key);
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

  private async emit(line: Line): Promise<void> {
    const source = this.source!;
    const now = Date.now();
    // One ISO string per millisecond instead of one per line.
    if (now !== this.readAtMs) {
      this.readAtMs = now;
      this.readAtIso = new Date(now).toISOString();
    }
    const input = this.input;
    const event: IngestEvent = {
      id: eventId(this.ctx.host, source.key, line.offset),
      host: this.ctx.host,
      service: input.service,
      source: this.path,
      offset: line.offset,
      format: input.format,
      message: line.text,
      fields: input.fields,
      read_at: this.readAtIso,
    };
    if (line.originalBytes !== undefined || line.invalidUtf8) {
      event.flags = [];
      if (line.originalBytes !== undefined) {
        event.flags.push('truncated');
        event.original_bytes = line.originalBytes;
      }
      if (line.invalidUtf8) event.flags.push('invalid_utf8');
    }
    const wait = this.ctx.batcher.add(JSON.stringify(event), source, line.nextOffset);
    if (wait) await wait;
  }
}
