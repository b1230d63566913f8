import { randomBytes } from 'node:crypto';
import { FORMATS, LEVELS, type Format, type Level } from '../../protocol/event.js';
import type { EcsDocument, StoredEvent } from '../store/ecs-document.js';
import type { DecodedLine } from './decode-ndjson.js';
import type { RejectedLine } from './ingest-codes.js';
import { detectLevel, normalizeLevel } from './parse/level-names.js';
import { leadingTimestamp } from './parse/leading-timestamp.js';

const FORMAT_SET = new Set<string>(FORMATS);
const LEVEL_SET = new Set<string>(LEVELS);
const MAX_ID_LENGTH = 128;
const MAX_NAME_LENGTH = 1024;

/** The ingest time and limits one request's events are normalised with. */
export interface NormalizeContext {
  now: string;
  maxMessageBytes: number;
}

function optionalString(v: Record<string, unknown>, key: string, max: number): string | undefined {
  const value = v[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new Error(`"${key}" must be a non-empty string of at most ${max} characters.`);
  }
  return value;
}

function isoTime(value: string | undefined, key: string): string | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new Error(`"${key}" is not an ISO-8601 time: ${value.slice(0, 64)}`);
  return new Date(t).toISOString();
}

/**
 * Validates one decoded line against the ingest event shape (CONTRACT §5) and builds its ECS document.
 * Hand-written rather than schema-driven: this runs for every event and is the collector's hot path.
 */
export function normalizeEvent(line: DecodedLine, ctx: NormalizeContext): StoredEvent | RejectedLine {
  const v = line.value;
  try {
    const message = v.message;
    if (typeof message !== 'string') throw new Error('"message" is required and must be a string.');
    if (Buffer.byteLength(message) > ctx.maxMessageBytes) {
      return {
        line: line.line,
        code: 'INGEST_EVENT_TOO_LARGE',
        reason: `The message is longer than ${ctx.maxMessageBytes} bytes.`,
        original: line.text,
      };
    }
    const id = optionalString(v, 'id', MAX_ID_LENGTH) ?? randomBytes(16).toString('base64url');
    const host = optionalString(v, 'host', MAX_NAME_LENGTH);
    const service = optionalString(v, 'service', MAX_NAME_LENGTH);
    const source = optionalString(v, 'source', 4096);
    const format = (optionalString(v, 'format', 32) ?? 'auto') as Format;
    if (!FORMAT_SET.has(format)) throw new Error(`"format" must be one of ${FORMATS.join(', ')}.`);
    const offset = v.offset;
    if (offset !== undefined && (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)) {
      throw new Error('"offset" must be a non-negative integer.');
    }
    const levelText = optionalString(v, 'level', 32);
    let level: Level | undefined;
    if (levelText !== undefined) {
      level = LEVEL_SET.has(levelText) ? (levelText as Level) : normalizeLevel(levelText);
      if (!level) throw new Error(`"level" must be one of ${LEVELS.join(', ')}.`);
    }
    const readAt = isoTime(optionalString(v, 'read_at', 64), 'read_at');
    const timestamp =
      isoTime(optionalString(v, 'timestamp', 64), 'timestamp') ?? leadingTimestamp(message) ?? readAt ?? ctx.now;

    const doc: EcsDocument = {
      '@timestamp': timestamp,
      message,
      event: { id, ingested: ctx.now, dataset: format, ...(readAt ? { created: readAt } : {}) },
    };
    if (host) doc.host = { name: host };
    if (service) doc.service = { name: service };
    const log: NonNullable<EcsDocument['log']> = {};
    const detected = level ?? detectLevel(message);
    if (detected) log.level = detected;
    if (source) log.file = { path: source };
    if (typeof offset === 'number') log.offset = offset;
    const flags = v.flags;
    if (flags !== undefined) {
      if (!Array.isArray(flags) || !flags.every((f) => typeof f === 'string'))
        throw new Error('"flags" must be an array of strings.');
      if (flags.length) log.flags = flags as string[];
    }
    if (typeof v.original_bytes === 'number') log.original_bytes = v.original_bytes;
    if (Object.keys(log).length) doc.log = log;
    const fields = v.fields;
    if (fields !== undefined && fields !== null) {
      if (typeof fields !== 'object' || Array.isArray(fields))
        throw new Error('"fields" must be an object of strings.');
      const labels: Record<string, string> = {};
      for (const [key, value] of Object.entries(fields)) {
        if (!/^[A-Za-z0-9_.-]{1,128}$/.test(key)) throw new Error(`Field name "${key.slice(0, 64)}" is not allowed.`);
        labels[key.replaceAll('.', '_')] = typeof value === 'string' ? value : JSON.stringify(value);
      }
      if (Object.keys(labels).length) doc.labels = labels;
    }
    return { id, doc };
  } catch (err) {
    return { line: line.line, code: 'INGEST_INVALID_EVENT', reason: (err as Error).message, original: line.text };
  }
}
