import { isIP } from 'node:net';
import type { Level } from '../../../protocol/event.js';
import { parsedFieldType } from '../../store/field-catalogue.js';
import { addTarget } from './http-fields.js';
import { levelOfNumber, normalizeLevel } from './level-names.js';
import { isoTimestamp, leadingTimestamp } from './leading-timestamp.js';
import type { FieldValue, ParseContext, ParsedLine } from './parsed-line.js';
import { isoOrUndefined } from './zoned-time.js';

/**
 * JSON log lines: ECS-shaped, and the shapes of pino, bunyan, winston, logrus, zap, python-json-logger, structlog,
 * log4j2's JsonLayout/JsonTemplateLayout, Serilog's compact JSON and Docker's json-file. Known keys become the time,
 * level, message and ECS fields; every other scalar becomes a label (`labels.<path with _>`), so arbitrary keys can
 * never conflict with the typed mapping and refuse the event.
 */

// First match wins; the order puts the ECS and most explicit names first.
const TIME_KEYS = [
  '@timestamp',
  'timestamp',
  'time',
  'ts',
  '@t',
  'datetime',
  'date',
  'asctime',
  'timeMillis',
  'timereported',
];
const LEVEL_KEYS = [
  'log.level',
  'level',
  'levelname',
  'severity',
  'lvl',
  'loglevel',
  'log_level',
  '@l',
  'level_name',
  'priority',
];
const MESSAGE_KEYS = ['message', 'msg', '@m', 'short_message', 'text', 'log', 'event', '@mt'];
const LOGGER_KEYS = ['log.logger', 'logger', 'logger_name', 'loggerName', 'name'];
/** Keys whose meaning we know but do not store as labels (duplicates of what the parser already extracted). */
const IGNORED = new Set(['v', 'ecs.version', '@version', 'stream', 'stack_info', 'msecs', 'relativeCreated', '@i']);
/** At most this many labels per event: keys from arbitrary JSON would otherwise grow the mapping without end. */
const MAX_LABELS = 64;
const MAX_LABEL_LENGTH = 1024;
const MAX_DEPTH = 4;
/** Request/response keys of pino-http, bunyan's serializers and similar, under their ECS names. */
const ALIASES: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  'req.method': 'http.request.method',
  'req.remoteAddress': 'source.ip',
  'req.remotePort': 'source.port',
  'req.headers.user-agent': 'user_agent.original',
  'req.headers.referer': 'http.request.referrer',
  'req.id': 'http.request.id',
  'res.statusCode': 'http.response.status_code',
});

type Json = Record<string, unknown>;

function flatten(value: Json, prefix: string, out: Map<string, unknown>, depth: number): void {
  for (const key in value) {
    const v = value[key];
    const path = prefix ? `${prefix}.${key}` : key;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && depth < MAX_DEPTH) {
      flatten(v as Json, path, out, depth + 1);
    } else {
      out.set(path, v);
    }
  }
}

function take(flat: Map<string, unknown>, keys: readonly string[]): unknown {
  for (const key of keys) {
    const v = flat.get(key);
    if (v !== undefined && v !== null && v !== '') {
      flat.delete(key);
      return v;
    }
  }
  return undefined;
}

/** Epoch numbers in s (zap), ms (pino, log4j timeMillis), µs or ns, told apart by magnitude. */
function epochTime(n: number): string | undefined {
  if (n > 1e17) return isoOrUndefined(n / 1e6);
  if (n > 1e14) return isoOrUndefined(n / 1e3);
  if (n > 1e11) return isoOrUndefined(n);
  return isoOrUndefined(n * 1000);
}

function timeOf(flat: Map<string, unknown>, ctx: ParseContext): string | undefined {
  // log4j2 JsonTemplateLayout/JsonLayout: "instant": {"epochSecond": …, "nanoOfSecond": …}.
  const seconds = flat.get('instant.epochSecond');
  if (typeof seconds === 'number') {
    const nanos = flat.get('instant.nanoOfSecond');
    flat.delete('instant.epochSecond');
    flat.delete('instant.nanoOfSecond');
    return isoOrUndefined(seconds * 1000 + (typeof nanos === 'number' ? Math.floor(nanos / 1e6) : 0));
  }
  const v = take(flat, TIME_KEYS);
  if (typeof v === 'number') return epochTime(v);
  if (typeof v === 'string') {
    if (/^\d+(\.\d+)?$/.test(v)) return epochTime(Number(v));
    return isoTimestamp(v, ctx.tz) ?? leadingTimestamp(v, ctx.tz);
  }
  return undefined;
}

function levelOf(v: unknown): Level | undefined {
  if (typeof v === 'number') return levelOfNumber(v);
  if (typeof v === 'string') return normalizeLevel(v);
  return undefined;
}

function addError(flat: Map<string, unknown>, fields: Record<string, FieldValue>): void {
  const pick = (keys: string[]): string | undefined => {
    const v = take(flat, keys);
    return typeof v === 'string' ? v : v === undefined ? undefined : JSON.stringify(v);
  };
  // pino/bunyan "err", ECS "error", log4j "thrown", zap "stacktrace", python "exc_info", logback "stack_trace".
  const type = pick(['error.type', 'err.type', 'thrown.name', 'exception.type', 'exc_type']);
  const message = pick(['error.message', 'err.message', 'thrown.message', 'thrown.localizedMessage', 'error', 'err']);
  const stack = pick([
    'error.stack_trace',
    'err.stack',
    'error.stack',
    'thrown.extendedStackTrace',
    'stack_trace',
    'stacktrace',
    'exc_info',
    'exception',
    '@x',
  ]);
  const code = pick(['error.code', 'err.code']);
  if (type) fields['error.type'] = type;
  if (message) fields['error.message'] = message;
  if (stack) fields['error.stack_trace'] = stack;
  if (code) fields['error.code'] = code;
}

function addOrigin(flat: Map<string, unknown>, fields: Record<string, FieldValue>): void {
  const caller = flat.get('caller');
  // zap and logrus: "caller": "pkg/file.go:42".
  if (typeof caller === 'string') {
    flat.delete('caller');
    const colon = caller.lastIndexOf(':');
    const line = Number(caller.slice(colon + 1));
    if (colon > 0 && Number.isInteger(line)) {
      fields['log.origin.file.name'] = caller.slice(0, colon);
      fields['log.origin.file.line'] = line;
    } else {
      fields['log.origin.file.name'] = caller;
    }
  }
  const file = take(flat, ['log.origin.file.name', 'filename', 'file', 'source.file']);
  if (typeof file === 'string') fields['log.origin.file.name'] = file;
  const line = take(flat, ['log.origin.file.line', 'lineno', 'line', 'source.line']);
  if (typeof line === 'number' && Number.isInteger(line)) fields['log.origin.file.line'] = line;
  const fn = take(flat, ['log.origin.function', 'funcName', 'func', 'function', 'source.function']);
  if (typeof fn === 'string') fields['log.origin.function'] = fn;
}

/** A value of the right type for its ECS field, or undefined (it then becomes a label). */
function typedValue(name: string, v: unknown): FieldValue | undefined {
  const type = parsedFieldType(name);
  switch (type) {
    case undefined:
      return undefined;
    case 'long':
      if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
      if (typeof v === 'string' && /^-?\d{1,15}$/.test(v)) return Number(v);
      return undefined;
    case 'double':
      return typeof v === 'number' ? v : undefined;
    case 'ip':
      return typeof v === 'string' && isIP(v) ? v : undefined;
    case 'boolean':
      return typeof v === 'boolean' ? v : undefined;
    case 'binary':
      // Only the shipper sets binary fields; a log line's own value of that name is just a label.
      return undefined;
    default:
      return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
  }
}

/** The label name of a JSON path: dots become underscores, as for shipper fields. */
function labelName(path: string): string {
  let name = path.replaceAll('.', '_');
  if (!/^[A-Za-z0-9_@-]{1,128}$/.test(name)) name = name.replace(/[^A-Za-z0-9_@-]/g, '_').slice(0, 128);
  return name;
}

/** Parses an already decoded JSON object (the `_bulk` door uses this with the sent document). */
export function parseJsonObject(value: Json, raw: string, ctx: ParseContext): ParsedLine {
  const flat = new Map<string, unknown>();
  flatten(value, '', flat, 0);
  const fields: Record<string, FieldValue> = {};
  const timestamp = timeOf(flat, ctx);
  const levelValue = take(flat, LEVEL_KEYS);
  const level = levelOf(levelValue);
  if (levelValue !== undefined && typeof levelValue === 'string' && !level) fields['log.original_level'] = levelValue;
  let message: string | undefined;
  for (const key of MESSAGE_KEYS) {
    const v = flat.get(key);
    if (typeof v === 'string') {
      flat.delete(key);
      message = v;
      break;
    }
  }
  const logger = take(flat, LOGGER_KEYS);
  if (typeof logger === 'string') fields['log.logger'] = logger;
  const pid = take(flat, ['process.pid', 'pid', 'process']);
  if (typeof pid === 'number' && Number.isSafeInteger(pid)) fields['process.pid'] = pid;
  const hostname = take(flat, ['host.hostname', 'hostname']);
  if (typeof hostname === 'string') fields['host.hostname'] = hostname;
  const thread = take(flat, ['process.thread.name', 'thread', 'threadName', 'thread_name']);
  if (typeof thread === 'string') fields['process.thread.name'] = thread;
  else if (typeof thread === 'number') fields['process.thread.id'] = thread;
  const traceId = take(flat, ['trace.id', 'trace_id', 'traceId', 'traceid', 'dd.trace_id']);
  if (typeof traceId === 'string' || typeof traceId === 'number') fields['trace.id'] = String(traceId);
  const spanId = take(flat, ['span.id', 'span_id', 'spanId', 'spanid', 'dd.span_id']);
  if (typeof spanId === 'string' || typeof spanId === 'number') fields['span.id'] = String(spanId);
  addError(flat, fields);
  addOrigin(flat, fields);
  // The shipper's host and service are authoritative; a document's own copies would only disagree.
  flat.delete('host.name');
  flat.delete('service.name');

  const url = take(flat, ['req.url']);
  if (typeof url === 'string') addTarget(fields, url);

  let labels: Record<string, string> | undefined;
  let labelCount = 0;
  for (const [path, v] of flat) {
    if (v === undefined || v === null || IGNORED.has(path)) continue;
    const name = ALIASES[path] ?? path;
    const typed = typedValue(name, v);
    if (typed !== undefined) {
      fields[name] = typed;
      continue;
    }
    if (labelCount >= MAX_LABELS) continue;
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    // No prototype: a key named `__proto__` is a label like any other, not a silently ignored assignment.
    labels ??= Object.create(null) as Record<string, string>;
    labels[labelName(path.startsWith('labels.') ? path.slice(7) : path)] =
      text.length > MAX_LABEL_LENGTH ? text.slice(0, MAX_LABEL_LENGTH) : text;
    labelCount++;
  }
  const parsed: ParsedLine = { dataset: 'json', timestamp, level, message: message ?? raw, fields };
  if (labels) parsed.labels = labels;
  return parsed;
}

/** A JSON object line; undefined when it is not one (then it is stored as plain text). */
export function parseJson(line: string, ctx: ParseContext): ParsedLine | undefined {
  if (line.charCodeAt(0) !== 0x7b) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return parseJsonObject(value as Json, line, ctx);
}
