import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type Database from 'better-sqlite3';

/**
 * Messages kept compressed in blocks (schema version 8). A write transaction's messages go, BLOCK_EVENTS at a time
 * in the order they were stored, into one row of `message_blocks`, their texts joined and deflated (encodeBlock); each
 * event's `message` column holds an INTEGER reference instead of its text: the block, the message's slot in it, and
 * whether the message was kept without its leading time (the low bit, as the BLOB form says it in older rows:
 * stored-document.ts). Log lines repeat their words and shapes, so 64 of them deflate to a fraction of their size:
 * in bench/embedded-store.ts 58 bytes per message became about 8 (its lines repeat seven templates; real logs
 * deflate less).
 *
 * Every read of a message goes through messageTextSql(), which SQL of all three forms (TEXT, BLOB, INTEGER) uses, so
 * rows written before stay as they are. A block is read once per connection for the rows near each other that share
 * it (BlockCache): a page of 100 newest events touches a few blocks, a scan walks them in turn.
 */

/**
 * Messages per block: 64 deflate to ~7.7 bytes each in the benchmark (256: 6.7), and a block inflates in ~15 µs,
 * which a read of one event from a block pays whole (a rare word's hits are each in a block of their own).
 */
export const BLOCK_EVENTS = 64;
/** Bits of a reference below the block number: the slot (6) and the time-elided flag (1). */
const REF_BITS = 7;
const REF_SCALE = 2 ** REF_BITS;

/** The reference a row keeps for the message in `slot` of `block`. */
export function blockRef(block: number, slot: number, timeElided: boolean): number {
  return block * REF_SCALE + slot * 2 + (timeElided ? 1 : 0);
}

/**
 * One block's row value: the texts, each well formed and without a NUL (the writer keeps any other as text), joined
 * by NULs and deflated. Level 1: as small as level 6 on log lines (7.75 against 7.66 bytes a line in the benchmark)
 * at 0.46 µs a line against 0.58; JSON instead of the NULs cost 0.2 µs a line more and 0.7 bytes.
 */
export function encodeBlock(texts: readonly string[]): Buffer {
  return deflateRawSync(texts.join(SEPARATOR), { level: 1 });
}

export function decodeBlock(data: Buffer): string[] {
  return inflateRawSync(data).toString('utf8').split(SEPARATOR);
}

const SEPARATOR = '\u0000';

/**
 * SQL for the text a message column `column` keeps (without a time left out), whichever form the row has. A
 * block's data is read from the table only when the connection's cache does not hold the block: `coalesce` stops at
 * its first value that is not NULL, so the correlated subquery runs once per block, not once per row, a row's block
 * is not copied into JavaScript for each row that shares it, and a row of a cached block costs one call.
 */
export function messageTextSql(column: string): string {
  return blockMessageSql(column, 'ls_block_text', 'ls_block_read');
}

/**
 * SQL for what the word functions (sql-functions.ts) take as a message of `column`: its text, or for a message in
 * a block its reference, the block decoded into the connection's cache first (BlockCache.textOf gives the text
 * back). A scan with several regexes on the message reads it once per regex: a text handed from JavaScript to
 * SQLite and back cost two string conversions each time (four regexes ORed over 60,000 messages of ~400 bytes:
 * 1.9 → 2.5–2.85 s), a reference none.
 */
export function messageWordsSql(column: string): string {
  return blockMessageSql(column, 'ls_block_cached', 'ls_block_load');
}

/**
 * The message of `column` as text when the row keeps text, else what `cached(ref)` gives, or, when that is NULL,
 * `load(ref, data)` with the block's row value: the one shape of messageTextSql() and messageWordsSql().
 */
function blockMessageSql(column: string, cached: string, load: string): string {
  const data = `(SELECT data FROM message_blocks WHERE block = ${column} >> ${REF_BITS})`;
  return `CASE typeof(${column}) WHEN 'integer' THEN coalesce(${cached}(${column}), ${load}(${column}, ${data})) ELSE CAST(${column} AS TEXT) END`;
}

/** SQL for whether the message of `column` was kept without its leading time (the BLOB form, or the reference's bit). */
export function messageElidedSql(column: string): string {
  return `CASE typeof(${column}) WHEN 'blob' THEN 1 WHEN 'integer' THEN ${column} & 1 ELSE 0 END`;
}

/** Decoded blocks a connection keeps: a scan in key order has a few transactions' blocks in use at a time. */
const CACHED_BLOCKS = 256;
/**
 * Characters of decoded text a connection keeps at most, whatever the number of blocks: 256 blocks of 2 KB messages
 * held 32 MB per read thread, and the export test's collector peaked 72 MB higher for 40,000 events than for 4,000.
 */
const CACHED_CHARS = 4 * 2 ** 20;

/** The decoded blocks of one connection, with the SQL functions messageTextSql() calls. */
export class BlockCache {
  private readonly blocks = new Map<number, string[]>();
  /** Characters of the texts in `blocks`. */
  private chars = 0;

  /** Registers the functions messageTextSql() and messageWordsSql() call: on every connection that reads or deletes events. */
  register(db: Database.Database): void {
    // Not deterministic: the answers depend on the cache, so SQLite must ask for every row.
    db.function('ls_block_text', { deterministic: false }, (ref: unknown) => {
      const texts = this.blocks.get(blockOf(ref));
      return texts === undefined ? null : slotText(texts, Number(ref));
    });
    db.function('ls_block_read', { deterministic: false }, (ref: unknown, data: unknown) =>
      slotText(this.load(ref, data), Number(ref)),
    );
    // messageWordsSql(): the reference itself once its block is decoded.
    db.function('ls_block_cached', { deterministic: false }, (ref: unknown) =>
      this.blocks.has(blockOf(ref)) ? Number(ref) : null,
    );
    db.function('ls_block_load', { deterministic: false }, (ref: unknown, data: unknown) => {
      this.load(ref, data);
      return Number(ref);
    });
  }

  /** The text of what messageWordsSql() gave: a text, or the reference of a message its block is decoded for. */
  textOf(value: unknown): string | null {
    if (typeof value === 'string') return value;
    if (typeof value !== 'number') return null;
    const texts = this.blocks.get(blockOf(value));
    if (texts === undefined) throw new Error(`The message block ${blockOf(value)} was not decoded before its words.`);
    return slotText(texts, value);
  }

  /** Decodes the block of `ref` from its row value `data`, into the cache. */
  private load(ref: unknown, data: unknown): string[] {
    const block = blockOf(ref);
    if (!Buffer.isBuffer(data)) throw new Error(`The message block ${block} is missing from the store.`);
    const texts = decodeBlock(data);
    const chars = charsOf(texts);
    // The oldest decoded first; the new block stays, however large, since the row being read needs it.
    for (const [old, oldTexts] of this.blocks) {
      if (this.blocks.size < CACHED_BLOCKS && this.chars + chars <= CACHED_CHARS) break;
      this.blocks.delete(old);
      this.chars -= charsOf(oldTexts);
    }
    this.blocks.set(block, texts);
    this.chars += chars;
    return texts;
  }
}

function charsOf(texts: readonly string[]): number {
  let n = 0;
  for (const text of texts) n += text.length;
  return n;
}

/** The text of the reference `ref` in its block's `texts`. */
function slotText(texts: readonly string[], ref: number): string {
  const text = texts[Math.floor(ref / 2) % BLOCK_EVENTS];
  if (text === undefined) throw new Error(`The message block ${blockOf(ref)} has no slot for reference ${ref}.`);
  return text;
}

function blockOf(ref: unknown): number {
  return Math.floor(Number(ref) / REF_SCALE);
}

/**
 * Collects a write transaction's messages into blocks: nextRef() hands out the reference of the next message kept,
 * and the messages go into `message_blocks` once a block is full and when the transaction ends (flush()).
 */
export class BlockWriter {
  private readonly insert: Database.Statement;
  private readonly lastBlock: Database.Statement;
  /** The block being filled, its texts and the latest event time among them. */
  private block = 0;
  private texts: string[] = [];
  private lastMs = -Infinity;

  constructor(db: Database.Database) {
    this.insert = db.prepare(`INSERT INTO message_blocks(block, last, data) VALUES (?, ?, ?)`);
    // The table's AUTOINCREMENT counter, which retention deleting the newest blocks does not lower: a number is
    // never used for a second block, which a reader could hold the first one under (BlockCache).
    this.lastBlock = db
      .prepare(`SELECT ifnull((SELECT seq FROM sqlite_sequence WHERE name = 'message_blocks'), 0)`)
      .pluck();
  }

  /** The reference the next message kept gets; keep() it once its row is stored. */
  nextRef(timeElided: boolean): number {
    return blockRef(this.block, this.texts.length, timeElided);
  }

  /** Takes the message of the row just stored with nextRef(), of the event time `ms` (well formed, without a NUL). */
  keep(text: string, ms: number): void {
    this.texts.push(text);
    if (ms > this.lastMs) this.lastMs = ms;
    if (this.texts.length === BLOCK_EVENTS) this.flush();
  }

  /** Stores the block being filled, if it holds a message; the next message starts a new block. */
  flush(): void {
    if (this.texts.length === 0) return;
    this.insert.run(this.block, this.lastMs, encodeBlock(this.texts));
    this.block++;
    this.texts = [];
    this.lastMs = -Infinity;
  }

  /**
   * Starts a write transaction's blocks: the next number is read from the table each time, since another collector
   * on the file may have stored blocks meanwhile, and a rolled-back transaction's numbers are free again.
   */
  begin(): void {
    this.block = (this.lastBlock.get() as number) + 1;
    this.texts = [];
    this.lastMs = -Infinity;
  }
}
