import { BufferPool } from '../buffer-pool.js';
import { dailyIndex } from '../daily-index.js';
import type { StoredEvent } from '../ecs-document.js';

/**
 * One bulk request's body, encoded once: the NDJSON bytes (`create` with the event id as `_id`, into daily indices)
 * and where each item ends in them, so a retry of some items is cut from these bytes instead of encoded again.
 */
export interface EncodedBulk {
  body: Buffer;
  /** Byte offset just past item i's two lines. */
  ends: Uint32Array;
  /** Gives the body's memory back for the next request; only once Elasticsearch answered it (never after an error). */
  release(): void;
}

/**
 * Encodes events into bulk bodies, so a request keeps only bytes while it waits for Elasticsearch: the documents die
 * young instead of being promoted to the old generation with everything they point to (an ingest request waits
 * hundreds of milliseconds for its bulk answer, and the collector's peak memory was those waiting documents and the
 * strings built from them). Each item's text is short-lived; the body is written once into pooled memory
 * (buffer-pool.ts), with no joined string and no second copy of it for Content-Length.
 */
export class BulkEncoder {
  /** Each daily index's action prefix, built once (a process writes to a handful of days). */
  private readonly actions = new Map<string, string>();

  constructor(
    private readonly indexPrefix: string,
    private readonly pool = new BufferPool(8),
  ) {}

  encode(events: readonly StoredEvent[]): EncodedBulk {
    const items: string[] = new Array<string>(events.length);
    const ends = new Uint32Array(events.length);
    let used = 0;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const item = `${this.action(event.doc['@timestamp'])}${JSON.stringify(event.id)}}}\n${JSON.stringify(event.doc)}\n`;
      items[i] = item;
      used += Buffer.byteLength(item);
      ends[i] = used;
    }
    const memory = this.pool.take(used);
    let at = 0;
    for (const item of items) at += memory.bytes.write(item, at);
    return { body: memory.bytes, ends, release: memory.release };
  }

  private action(timestamp: string): string {
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

/** The items `keep` (positions in `bulk`) as a bulk body of their own, cut from the encoded bytes. */
export function subBulk(bulk: EncodedBulk, keep: readonly number[]): EncodedBulk {
  const ends = new Uint32Array(keep.length);
  const parts: Buffer[] = [];
  let used = 0;
  keep.forEach((item, i) => {
    const start = item === 0 ? 0 : bulk.ends[item - 1]!;
    const end = bulk.ends[item]!;
    parts.push(bulk.body.subarray(start, end));
    used += end - start;
    ends[i] = used;
  });
  return { body: Buffer.concat(parts, used), ends, release: () => {} };
}
