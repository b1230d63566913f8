import { BufferPool, type PooledBytes } from '../buffer-pool.js';
import { dailyIndex } from '../daily-index.js';
import type { StoredEvent } from '../ecs-document.js';

/**
 * One bulk request's body, encoded once: the NDJSON bytes (`create` with the event id as `_id`, into daily indices),
 * two lines per item, so a retry of some items is cut from these bytes instead of encoded again.
 */
export interface EncodedBulk {
  body: Buffer;
  /** Items in the body. */
  count: number;
  /** Gives the body's memory back for the next request; only once Elasticsearch answered it (never after an error). */
  release(): void;
}

/**
 * Encodes events into bulk bodies, so a request keeps only bytes while it waits for Elasticsearch: the documents die
 * young instead of being promoted to the old generation with everything they point to (an ingest request waits
 * hundreds of milliseconds for its bulk answer, and the collector's peak memory was those waiting documents and the
 * strings built from them). Each item is written into pooled memory (buffer-pool.ts) as it is added and its text
 * dropped at once, with no joined string and no second copy of it for Content-Length.
 */
export class BulkEncoder {
  /** Each daily index's action prefix, built once (a process writes to a handful of days). */
  private readonly actions = new Map<string, string>();
  /** The size of the last body, the first guess for the next one's. */
  private lastBytes = 0;
  /** The last event's day (`YYYY-MM-DD`) and its action prefix. */
  private lastDay = '';
  private lastAction: string | undefined;

  constructor(
    private readonly indexPrefix: string,
    private readonly pool = new BufferPool(8),
  ) {}

  /** A body to add events to one by one. */
  start(): BulkBuilder {
    return new BulkBuilder(this, this.pool, this.lastBytes);
  }

  /** The body of `events`, all at once. */
  encode(events: readonly StoredEvent[]): EncodedBulk {
    const builder = this.start();
    for (const event of events) builder.add(event);
    return builder.finish();
  }

  /** The item's two lines: the action and the document. */
  item(event: StoredEvent): string {
    return `${this.action(event.doc['@timestamp'])}${JSON.stringify(event.id)}}}\n${JSON.stringify(event.doc)}\n`;
  }

  /** Notes a finished body's size. */
  finished(bytes: number): void {
    this.lastBytes = bytes;
  }

  private action(timestamp: string): string {
    // Nearly every event falls on the day of the one before it: comparing the day's text costs less than naming the
    // index and looking it up (one string and a hash per event).
    if (this.lastAction !== undefined && timestamp.startsWith(this.lastDay)) return this.lastAction;
    const action = this.actionOfDay(timestamp);
    const day = timestamp.slice(0, DAY_CHARS);
    // A shorter text (not a time the stores accept) must not pass for the start of other days' times.
    this.lastAction = day.length === DAY_CHARS ? action : undefined;
    this.lastDay = day;
    return action;
  }

  private actionOfDay(timestamp: string): string {
    const index = dailyIndex(this.indexPrefix, timestamp);
    let action = this.actions.get(index);
    if (action === undefined) {
      // Events from a few days only, normally: a sender replaying years must not grow this without bound.
      if (this.actions.size >= 64) this.actions.clear();
      action = `{"create":{"_index":${JSON.stringify(index)},"_id":`;
      this.actions.set(index, action);
    }
    return action;
  }
}

/**
 * A bulk body being written item by item. Adding each event as it is made (instead of encoding a request's whole
 * array of documents at the end) means a request never holds all its documents at once: a young-generation
 * collection in the middle of a request then finds almost nothing alive to move to the old generation.
 */
export class BulkBuilder {
  private memory: PooledBytes;
  private used = 0;
  private count = 0;

  constructor(
    private readonly encoder: BulkEncoder,
    private readonly pool: BufferPool,
    guess: number,
  ) {
    // A little over the last body: most bodies then fit the first buffer and are never copied to a larger one.
    this.memory = pool.take(Math.max(MIN_GUESS, Math.ceil(guess * 1.25)));
  }

  add(event: StoredEvent): void {
    const item = this.encoder.item(event);
    const room = this.memory.bytes.length - this.used;
    // A UTF-16 unit is at most 3 UTF-8 bytes: only near the end of the buffer is the exact size worth counting.
    if (item.length * 3 > room) {
      const bytes = Buffer.byteLength(item);
      if (bytes > room) this.grow(this.used + bytes);
    }
    this.used += this.memory.bytes.write(item, this.used);
    this.count++;
  }

  finish(): EncodedBulk {
    this.encoder.finished(this.used);
    return {
      body: this.memory.bytes.subarray(0, this.used),
      count: this.count,
      release: this.memory.release,
    };
  }

  private grow(needed: number): void {
    const larger = this.pool.take(Math.max(needed, this.memory.bytes.length * 2));
    this.memory.bytes.copy(larger.bytes, 0, 0, this.used);
    this.memory.release();
    this.memory = larger;
  }
}

/** `YYYY-MM-DD`, the part of an ISO time that names its daily index (four-digit years: ACCEPTED_TIMES). */
const DAY_CHARS = 10;

/** The first buffer of a body when nothing was encoded before. */
const MIN_GUESS = 64 * 1024;

/**
 * The items `keep` (ascending positions in `bulk`) as a bulk body of their own, cut from the encoded bytes. Item
 * boundaries are found again here, every second newline (JSON escapes a newline inside a string), rather than noted
 * per item while encoding: this runs only for items Elasticsearch refused for load, while an array of every item's
 * end lived as long as its request waited for Elasticsearch, long enough to reach V8's old generation.
 */
export function subBulk(bulk: EncodedBulk, keep: readonly number[]): EncodedBulk {
  const parts: Buffer[] = [];
  let used = 0;
  let item = 0;
  let start = 0;
  for (const wanted of keep) {
    for (; item < wanted; item++) start = bulk.body.indexOf(0x0a, bulk.body.indexOf(0x0a, start) + 1) + 1;
    const end = bulk.body.indexOf(0x0a, bulk.body.indexOf(0x0a, start) + 1) + 1;
    parts.push(bulk.body.subarray(start, end));
    used += end - start;
    start = end;
    item++;
  }
  return { body: Buffer.concat(parts, used), count: keep.length, release: () => {} };
}
