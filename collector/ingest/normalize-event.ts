import { randomBytes } from 'node:crypto';
import { FORMATS, LEVELS, type Format, type Level } from '../../protocol/event.js';
import type { EcsDocument, StoredEvent } from '../store/ecs-document.js';
import { isAcceptedTimestamp, outsideAcceptedTimes } from '../store/field-catalogue.js';
import { utf8BytesOver, type ParsedLine } from './decode-ndjson.js';
import type { RejectedLine } from './ingest-codes.js';
import { normalizeLevel } from './parse/level-names.js';
import { parseLine } from './parse/parse-line.js';
import { isValidZone } from './parse/zoned-time.js';

const FORMAT_SET = new Set<string>(FORMATS);
const LEVEL_SET = new Set<string>(LEVELS);
const MAX_ID_LENGTH = 128;
const MAX_NAME_LENGTH = 1024;

/** The ingest time and limits one request's events are normalised with. */
export interface NormalizeContext {
  now: string;
  maxMessageBytes: number;
  /** `now` in epoch ms; computed once per request when the caller has it. */
  nowMs?: number;
}

const LABEL_KEY = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * `value` (the line's `key`) as a string, or undefined when it is missing. Callers read `v.key` themselves: one
 * property load per call site stays fast, where `v[key]` with nine keys at one site was a megamorphic lookup.
 */
function optionalString(value: unknown, key: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new Error(`"${key}" must be a non-empty string of at most ${max} characters.`);
  }
  return value;
}

// The shipper stamps every line it read in the same millisecond with the same `read_at`: one parse serves them all
// (parsing and formatting it was a tenth of the collector's work per event).
let lastTimeText = '';
let lastTimeIso = '';

function isoTime(value: string | undefined, key: string): string | undefined {
  if (value === undefined) return undefined;
  if (value === lastTimeText) return lastTimeIso;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new Error(`"${key}" is not an ISO-8601 time: ${value.slice(0, 64)}`);
  lastTimeIso = new Date(t).toISOString();
  lastTimeText = value;
  return lastTimeIso;
}

/**
 * Validates one decoded line against the ingest event shape (see docs/events.md) and builds its ECS document.
 * Hand-written rather than schema-driven: this runs for every event and is the collector's hot path.
 */
export function normalizeEvent(
  line: ParsedLine,
  ctx: NormalizeContext,
  /** For `format: json`: the message as an object already decoded by the caller. */
  decodedMessage?: Record<string, unknown>,
): StoredEvent | RejectedLine {
  const v = line.value;
  try {
    if (typeof v.message !== 'string') throw new Error('"message" is required and must be a string.');
    let message: string = v.message;
    // A JSON escape can carry half a UTF-16 surrogate pair, which no UTF-8 store can keep: it would come back as
    // three U+FFFD and the original would be lost. Like invalid UTF-8 from the shipper, the text gets one U+FFFD,
    // the flag `invalid_utf8`, and the original bytes (WTF-8) in `event.original_base64`.
    let malformed: string | undefined;
    if (!message.isWellFormed()) {
      malformed = wtf8(message).toString('base64');
      message = message.toWellFormed();
    }
    if (utf8BytesOver(message, ctx.maxMessageBytes)) {
      return {
        line: line.line,
        code: 'INGEST_EVENT_TOO_LARGE',
        reason: `The message is longer than ${ctx.maxMessageBytes} bytes.`,
        original: line.text,
      };
    }
    const id = optionalString(v.id, 'id', MAX_ID_LENGTH) ?? randomBytes(16).toString('base64url');
    const host = optionalString(v.host, 'host', MAX_NAME_LENGTH);
    const service = optionalString(v.service, 'service', MAX_NAME_LENGTH);
    const source = optionalString(v.source, 'source', 4096);
    const format = (optionalString(v.format, 'format', 32) ?? 'auto') as Format;
    if (!FORMAT_SET.has(format)) throw new Error(`"format" must be one of ${FORMATS.join(', ')}.`);
    const offset = v.offset;
    if (offset !== undefined && (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)) {
      throw new Error('"offset" must be a non-negative integer.');
    }
    const levelText = optionalString(v.level, 'level', 32);
    let level: Level | undefined;
    if (levelText !== undefined) {
      level = LEVEL_SET.has(levelText) ? (levelText as Level) : normalizeLevel(levelText);
      if (!level) throw new Error(`"level" must be one of ${LEVELS.join(', ')}.`);
    }
    const readAt = isoTime(optionalString(v.read_at, 'read_at', 64), 'read_at');
    const tz = optionalString(v.tz, 'tz', 64);
    if (tz !== undefined && !isValidZone(tz)) throw new Error(`"tz" must be an IANA zone name or ±HH:MM: ${tz}`);
    const parsed = parseLine(
      message,
      format,
      {
        tz,
        nowMs: readAt ? Date.parse(readAt) : (ctx.nowMs ?? Date.parse(ctx.now)),
      },
      decodedMessage,
    );
    const timestamp =
      isoTime(optionalString(v.timestamp, 'timestamp', 64), 'timestamp') ?? parsed.timestamp ?? readAt ?? ctx.now;
    // Outside the accepted times an event cannot be stored alike on both stores (the embedded row key wraps), and
    // a planted far-future event would sit in every "last hour" search: it is kept as a dead letter instead.
    const outside = !isAcceptedTimestamp(timestamp)
      ? outsideAcceptedTimes('@timestamp', timestamp)
      : readAt !== undefined && !isAcceptedTimestamp(readAt)
        ? outsideAcceptedTimes('read_at', readAt)
        : null;
    if (outside) return { line: line.line, code: 'INGEST_TIME_OUT_OF_RANGE', reason: outside, original: line.text };

    const doc: EcsDocument = {
      '@timestamp': timestamp,
      message: parsed.message.isWellFormed() ? parsed.message : parsed.message.toWellFormed(),
      event: readAt
        ? { id, ingested: ctx.now, created: readAt, dataset: parsed.dataset }
        : { id, ingested: ctx.now, dataset: parsed.dataset },
    };
    // Parsed fields keep their flat ECS names (`http.response.status_code`): Elasticsearch maps dotted names like
    // objects, and hits show them as users type them in queries.
    Object.assign(doc, parsed.fields);
    if (host) doc.host = { name: host };
    if (service) doc.service = { name: service };
    const log: NonNullable<EcsDocument['log']> = {};
    const detected = level ?? parsed.level;
    if (detected) log.level = detected;
    if (source) log.file = { path: source };
    if (typeof offset === 'number') log.offset = offset;
    const flags = v.flags;
    if (flags !== undefined) {
      if (!Array.isArray(flags) || !flags.every((f) => typeof f === 'string'))
        throw new Error('"flags" must be an array of strings.');
      if (flags.length) log.flags = flags as string[];
    }
    // A JSON log line's own message can carry the same half pair in an escape; the line as sent is its original.
    if (malformed === undefined && doc.message !== parsed.message) malformed = wtf8(message).toString('base64');
    if (malformed !== undefined && !log.flags?.includes('invalid_utf8')) {
      log.flags = log.flags ? [...log.flags, 'invalid_utf8'] : ['invalid_utf8'];
    }
    if (parsed.failed) log.flags = log.flags ? [...log.flags, 'parse_failed'] : ['parse_failed'];
    if (typeof v.original_bytes === 'number') log.original_bytes = v.original_bytes;
    const originalBase64 = v.original_base64;
    if (originalBase64 !== undefined) {
      // Only base64 exactly as it encodes (padded, standard alphabet, no stray bits) is kept: Elasticsearch refuses
      // unpadded text in a binary field, and gives any other spelling back in this one, not as it was sent.
      if (
        typeof originalBase64 !== 'string' ||
        Buffer.from(originalBase64, 'base64').toString('base64') !== originalBase64
      )
        throw new Error('"original_base64" must be padded standard base64 text.');
      doc['event.original_base64'] = originalBase64;
    } else if (malformed !== undefined) {
      doc['event.original_base64'] = malformed;
    }
    if (log.level || log.file || log.offset !== undefined || log.flags || log.original_bytes !== undefined)
      doc.log = log;
    const fields = v.fields;
    let labels = parsed.labels;
    if (fields !== undefined && fields !== null) {
      if (typeof fields !== 'object' || Array.isArray(fields))
        throw new Error('"fields" must be an object of strings.');
      // The shipper's fields win over a JSON line's own keys of the same name.
      for (const key in fields) {
        if (!LABEL_KEY.test(key)) throw new Error(`Field name "${key.slice(0, 64)}" is not allowed.`);
        const value = (fields as Record<string, unknown>)[key];
        // No prototype: a field named `__proto__` is a label like any other, not a silently ignored assignment.
        labels ??= Object.create(null) as Record<string, string>;
        labels[key.replaceAll('.', '_')] = typeof value === 'string' ? value : JSON.stringify(value);
      }
    }
    if (labels) doc.labels = labels;
    return { id, doc };
  } catch (err) {
    return { line: line.line, code: 'INGEST_INVALID_EVENT', reason: (err as Error).message, original: line.text };
  }
}

/**
 * The bytes of a JavaScript string in WTF-8: UTF-8, with a lone surrogate written as its own three bytes, so the
 * exact original can be given back (Buffer.from would replace it with U+FFFD).
 */
export function wtf8(text: string): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++;
      continue;
    }
    parts.push(Buffer.from(text.slice(start, i), 'utf8'));
    parts.push(Buffer.from([0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]));
    start = i + 1;
  }
  parts.push(Buffer.from(text.slice(start), 'utf8'));
  return Buffer.concat(parts);
}
