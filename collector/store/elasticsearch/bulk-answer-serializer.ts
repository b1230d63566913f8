import { Serializer } from '@elastic/elasticsearch';

/**
 * How the answer to the collector's own bulk writes starts when every item went in: their `filter_path` puts
 * `errors` first (es-writer.ts), and no other answer starts with it.
 */
export const ALL_STORED_PREFIX = '{"errors":false,"items":[';

/**
 * The store client's JSON reader: a bulk answer in which every item went in is read as `{ errors: false }`, without
 * its items; every other answer is read as the client always does. Reading one `{"create":{"status":201}}` per
 * event cost the collector about 0.3 µs per event, and those thousands of small objects were most of what it
 * promoted to V8's old generation under load (a profile of objects that outlived young-generation collections:
 * 59 of 105 MB), where they waited for a full collection and made the heap swell by tens of megabytes. The writer
 * counts an answer without items as all of its events stored.
 */
export class BulkAnswerSerializer extends Serializer {
  override deserialize<T = unknown>(json: string): T {
    if (json.startsWith(ALL_STORED_PREFIX)) return { errors: false } as T;
    return super.deserialize<T>(json);
  }
}
