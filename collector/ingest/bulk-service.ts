import { randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import type { BulkItemResult, BulkResponse } from '../../protocol/bulk-response.js';
import { CollectorError } from '../collector-error.js';
import type { StoredEvent } from '../store/ecs-document.js';
import { dailyIndex } from '../store/daily-index.js';
import type { DeadLetter, LogStore } from '../store/log-store.js';
import { DeadLetterKeeper } from './dead-letter-keeper.js';
import { sampleStored, type IngestMetrics } from './ingest-metrics.js';
import { normalizeEvent } from './normalize-event.js';

type Action = 'index' | 'create';

interface PendingItem {
  action: Action | string;
  id: string;
  /** The sender named an `_id` we cannot keep as it is (empty, too long, not a string). */
  badId: boolean;
  index: string;
  /** The action and source lines as sent, for the dead-letter store. */
  original: string;
  result?: BulkItemResult;
}

/** What one bulk request's items share. */
interface BulkRequest {
  now: string;
  nowMs: number;
  tokenName: string | undefined;
  deadLetters: DeadLetter[];
}

/** Reads a bulk body line by line (LF or CRLF), skipping blank lines but counting them. */
class BulkLines {
  lineNo = 0;
  private start = 0;

  constructor(private readonly body: Buffer) {}

  next(): Buffer | undefined {
    const body = this.body;
    while (this.start < body.length) {
      let end = body.indexOf(0x0a, this.start);
      if (end < 0) end = body.length;
      let stop = end;
      if (stop > this.start && body[stop - 1] === 0x0d) stop--;
      const raw = body.subarray(this.start, stop);
      this.start = end + 1;
      this.lineNo++;
      if (raw.length > 0) return raw;
    }
    return undefined;
  }
}

const MAX_ID_LENGTH = 128;
/**
 * Objects and arrays nest at most this deep in one document. A document nested 100,000 deep once failed its whole
 * bulk request with 500 (encoding it again overflowed the stack) and shippers retried it forever.
 */
export const MAX_DOCUMENT_DEPTH = 100;
const SHARDS = { total: 1, successful: 1, failed: 0 };

function failed(item: PendingItem, status: number, type: string, reason: string): BulkItemResult {
  return { _index: item.index, _id: item.id, status, error: { type, reason } };
}

function textOf(raw: Buffer): string | undefined {
  return isUtf8(raw) ? raw.toString('utf8') : undefined;
}

/**
 * Maps ECS-ish and arbitrary documents to ingest events: host, service, file path and offset have their own slots;
 * `rest` is what the JSON parser reads.
 */
function toIngestValue(
  doc: Record<string, unknown>,
  id: string,
): { value: Record<string, unknown>; rest: Record<string, unknown> } {
  const rest: Record<string, unknown> = { ...doc };
  const value: Record<string, unknown> = { id, format: 'json' };
  const host = rest.host;
  if (typeof host === 'string') {
    value.host = host;
    delete rest.host;
  } else if (host && typeof host === 'object' && typeof (host as Record<string, unknown>).name === 'string') {
    value.host = (host as Record<string, unknown>).name;
  }
  if (typeof rest['host.name'] === 'string') value.host = rest['host.name'];
  // rsyslog's default template (StdJSONFmt) names the sender `fromhost`.
  if (value.host === undefined && typeof rest.fromhost === 'string') {
    value.host = rest.fromhost;
    delete rest.fromhost;
  }
  const service = rest.service;
  if (typeof service === 'string') {
    value.service = service;
    delete rest.service;
  } else if (service && typeof service === 'object' && typeof (service as Record<string, unknown>).name === 'string') {
    value.service = (service as Record<string, unknown>).name;
  }
  const log = rest.log as Record<string, unknown> | undefined;
  if (log && typeof log === 'object') {
    const file = log.file as Record<string, unknown> | undefined;
    if (file && typeof file.path === 'string') value.source = file.path;
    if (typeof log.offset === 'number' && Number.isSafeInteger(log.offset) && log.offset >= 0)
      value.offset = log.offset;
  }
  for (const key of ['host', 'service'] as const) {
    if (typeof value[key] === 'string' && ((value[key] as string).length === 0 || (value[key] as string).length > 1024))
      delete value[key];
  }
  // The JSON parser maps the rest (message/msg, @timestamp/timestamp, level, ECS fields, labels).
  value.message = JSON.stringify(rest);
  return { value, rest };
}

/**
 * `POST /_bulk`: the subset of the Elasticsearch bulk API that log shippers use (`index` and `create` actions; a
 * legacy `_type` is accepted and ignored), stored like any ingested event and answered in the bulk response format.
 * The index a client names is not used: every event goes to logship's daily indices.
 */
export class BulkService {
  constructor(
    private readonly store: LogStore,
    private readonly indexPrefix: string,
    private readonly maxMessageBytes: number,
    private readonly metrics?: IngestMetrics,
    private readonly deadLetterKeeper: DeadLetterKeeper = new DeadLetterKeeper(store),
  ) {}

  /**
   * The single-document index API (`POST /{index}/_doc`, `PUT /{index}/_create/{id}`, and the legacy
   * `POST /{index}/{type}` that rsyslog's omelasticsearch uses when bulk mode is off): one bulk item.
   */
  async indexOne(
    doc: Buffer,
    index: string,
    id: string | undefined,
    action: Action,
    tokenName?: string,
  ): Promise<BulkItemResult> {
    const meta = JSON.stringify({ [action]: id ? { _index: index, _id: id } : { _index: index } });
    // The document is one line in a bulk body: newlines inside a pretty-printed document are JSON whitespace.
    const line = Buffer.from(doc.toString('utf8').replace(/\r?\n/g, ' '));
    const response = await this.bulk(Buffer.concat([Buffer.from(meta + '\n'), line]), index, tokenName);
    const item = response.items[0];
    const result = item ? Object.values(item)[0] : undefined;
    if (!result) throw new CollectorError('INGEST_BAD_BODY', 'The request has no document.', 400);
    return result;
  }

  /** Handles one bulk body on behalf of a token; `pathIndex` is the `{index}` of `POST /{index}/_bulk`. */
  async bulk(body: Buffer, pathIndex: string | undefined, tokenName?: string): Promise<BulkResponse> {
    const started = performance.now();
    const now = new Date().toISOString();
    const request: BulkRequest = { now, nowMs: Date.parse(now), tokenName, deadLetters: [] };
    const deadLetters = request.deadLetters;
    const items: PendingItem[] = [];
    const events: StoredEvent[] = [];
    const eventItems: PendingItem[] = [];
    const lines = new BulkLines(body);
    for (let actionRaw = lines.next(); actionRaw; actionRaw = lines.next()) {
      const item = this.readAction(actionRaw, lines.lineNo, pathIndex);
      items.push(item);
      // Every action but delete is followed by its document line, even those we refuse.
      const sourceRaw = item.action === 'delete' ? undefined : lines.next();
      let event: StoredEvent | undefined;
      try {
        event = this.readDocument(item, actionRaw, sourceRaw, lines.lineNo, request);
      } catch (err) {
        event = this.refuseUnexpected(item, err, request);
      }
      if (event) {
        events.push(event);
        eventItems.push(item);
      }
    }

    const sample = this.metrics && sampleStored(events, (i) => Buffer.byteLength(eventItems[i]!.original));
    const stopTimer = this.metrics?.storeWrite.startTimer();
    const outcome = events.length ? await this.store.write(events) : { accepted: 0, duplicates: 0, failures: [] };
    stopTimer?.();
    if (sample) this.metrics?.stored(sample, outcome, tokenName);
    const refused = new Map<number, string>();
    for (const f of outcome.failures) refused.set(f.index, f.reason);
    // Which items were duplicates, by input position: `create` answers 409 for those, as Elasticsearch would.
    const duplicates = new Set(outcome.duplicateIndexes ?? []);
    eventItems.forEach((item, i) => {
      const reason = refused.get(i);
      if (reason !== undefined) {
        item.result = failed(item, 400, 'mapper_parsing_exception', reason);
        deadLetters.push({ receivedAt: now, code: 'STORE_REJECTED', reason, original: item.original, tokenName });
      } else if (duplicates.has(i)) {
        item.result =
          item.action === 'create'
            ? failed(
                item,
                409,
                'version_conflict_engine_exception',
                `[${item.id}]: version conflict, document already exists`,
              )
            : {
                _index: item.index,
                _id: item.id,
                status: 200,
                result: 'noop',
                _version: 1,
                _shards: SHARDS,
                _seq_no: 0,
                _primary_term: 1,
              };
      } else {
        item.result = {
          _index: item.index,
          _id: item.id,
          status: 201,
          result: 'created',
          _version: 1,
          _shards: SHARDS,
          _seq_no: 0,
          _primary_term: 1,
        };
      }
    });
    await this.deadLetterKeeper.keep(deadLetters);
    this.metrics?.counted(outcome.accepted, outcome.duplicates, deadLetters);
    let errors = false;
    const out = items.map((item) => {
      const result = item.result!;
      if (result.status >= 300) errors = true;
      return { [item.action]: result };
    });
    return { took: Math.round(performance.now() - started), errors, items: out };
  }

  /** Parses an action line; a line that is not an action refuses the whole request, as Elasticsearch does. */
  private readAction(raw: Buffer, lineNo: number, pathIndex: string | undefined): PendingItem {
    const text = textOf(raw);
    let action: unknown;
    try {
      action = text === undefined ? undefined : JSON.parse(text);
    } catch {
      action = undefined;
    }
    const name = action && typeof action === 'object' ? Object.keys(action)[0] : undefined;
    const meta = name ? (action as Record<string, unknown>)[name] : undefined;
    if (!name || !meta || typeof meta !== 'object') {
      // Without a valid action line the pairing of action and document lines is lost for the rest of the body.
      throw new CollectorError(
        'INGEST_BAD_BODY',
        `Line ${lineNo} of the bulk body is not an action such as {"index":{}}.`,
        400,
      );
    }
    const m = meta as Record<string, unknown>;
    const validId = typeof m._id === 'string' && m._id.length > 0 && m._id.length <= MAX_ID_LENGTH;
    return {
      action: name,
      id: validId ? (m._id as string) : '',
      badId: !validId && m._id !== undefined && m._id !== null,
      index: typeof m._index === 'string' ? m._index : (pathIndex ?? ''),
      original: text!,
    };
  }

  /**
   * Answers an item whose reading failed unexpectedly: that item alone is refused (as a dead letter) instead of
   * every item of the request failing with 500.
   */
  private refuseUnexpected(item: PendingItem, err: unknown, request: BulkRequest): undefined {
    const reason = `The document could not be read: ${(err as Error).message}`;
    item.result = failed(item, 400, 'document_parsing_exception', reason);
    request.deadLetters.push({
      receivedAt: request.now,
      code: 'INGEST_INVALID_EVENT',
      reason,
      original: item.original,
      tokenName: request.tokenName,
    });
    return undefined;
  }

  /**
   * Turns an item's document into an event to store, or answers the item with an error (kept as a dead letter when
   * there is a document to keep).
   */
  private readDocument(
    item: PendingItem,
    actionRaw: Buffer,
    sourceRaw: Buffer | undefined,
    lineNo: number,
    request: BulkRequest,
  ): StoredEvent | undefined {
    const refuse = (status: number, type: string, reason: string, code?: string, original?: string | Buffer) => {
      item.result = failed(item, status, type, reason);
      if (code) {
        request.deadLetters.push({
          receivedAt: request.now,
          code,
          reason,
          original: original ?? item.original,
          tokenName: request.tokenName,
        });
      }
      return undefined;
    };
    if (item.action === 'delete') {
      return refuse(400, 'illegal_argument_exception', 'logship keeps every event: delete is not supported.');
    }
    if (item.action !== 'index' && item.action !== 'create') {
      return refuse(400, 'illegal_argument_exception', `The bulk action "${item.action}" is not supported.`);
    }
    if (!sourceRaw) {
      return refuse(
        400,
        'action_request_validation_exception',
        'The action has no document line.',
        'INGEST_INVALID_EVENT',
      );
    }
    const sourceText = textOf(sourceRaw);
    item.original = `${item.original}\n${sourceText ?? ''}`;
    if (sourceText === undefined) {
      const original = Buffer.concat([actionRaw, Buffer.from('\n'), sourceRaw]);
      return refuse(
        400,
        'mapper_parsing_exception',
        'The document is not valid UTF-8.',
        'INGEST_INVALID_UTF8',
        original,
      );
    }
    if (item.badId) {
      // A shortened or generated id would store the event under another identity than the sender's.
      const reason = `"_id" must be a non-empty string of at most ${MAX_ID_LENGTH} characters.`;
      return refuse(400, 'illegal_argument_exception', reason, 'INGEST_INVALID_EVENT');
    }
    let doc: unknown;
    try {
      doc = JSON.parse(sourceText);
    } catch (err) {
      const reason = `The document is not JSON: ${(err as Error).message}`;
      return refuse(400, 'document_parsing_exception', reason, 'INGEST_INVALID_JSON');
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
      return refuse(400, 'document_parsing_exception', 'The document must be a JSON object.', 'INGEST_INVALID_JSON');
    }
    if (nestedDeeperThan(doc, MAX_DOCUMENT_DEPTH)) {
      const reason = `The document nests objects or arrays deeper than the maximum allowed depth [${MAX_DOCUMENT_DEPTH}].`;
      return refuse(400, 'document_parsing_exception', reason, 'INGEST_INVALID_EVENT');
    }
    if (!item.id) item.id = randomBytes(15).toString('base64url');
    const { value, rest } = toIngestValue(doc as Record<string, unknown>, item.id);
    const normalized = normalizeEvent(
      { line: lineNo, value, text: sourceText },
      { now: request.now, nowMs: request.nowMs, maxMessageBytes: this.maxMessageBytes },
      rest,
    );
    if (!('doc' in normalized)) {
      return refuse(400, 'mapper_parsing_exception', normalized.reason, normalized.code);
    }
    item.index = dailyIndex(this.indexPrefix, normalized.doc['@timestamp']);
    return normalized;
  }
}

/** Whether objects and arrays in `value` nest deeper than `max` levels; iterative, so no depth can overflow it. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > max) return true;
    const children = Array.isArray(node) ? node : Object.values(node as Record<string, unknown>);
    for (const child of children) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
