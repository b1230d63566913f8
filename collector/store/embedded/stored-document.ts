import type { Level } from '../../../protocol/event.js';
import type { EcsDocument } from '../ecs-document.js';
import { messageWordsSql } from './message-blocks.js';

/**
 * The message as the `message` column keeps it. A line that begins with its own event time in the form
 * `Date.prototype.toISOString()` writes (`2026-12-05T10:11:12.345Z …`, the event's `@timestamp` exactly) is kept
 * without those 24 characters, as a BLOB of the rest's UTF-8: the row key gives them back (storedMessage), so they
 * cost nothing on disk and are not words of the full-text index, which indexes what the column holds. In
 * bench/embedded-store.ts, whose lines all begin so, that was 24 of the message's 82 bytes and 6 of its ~16
 * indexed words. Any other message, and every message of files before schema version 5, is TEXT as written. Files
 * made at version 8 on keep the message, with or without its time, in a block (message-blocks.ts), and the
 * reference's low bit says which.
 */
export const ELIDED_TIME_CHARS = 24;

/**
 * Whether `message` begins with `timestamp`, the event's time as toISOString() renders its `ms` (the caller knows
 * that it does), and can be kept without it: a read renders the time back from the key from 1970 on (every
 * key is an accepted time, 1970 to 2199: event-key.ts). Only a time followed by a space, a tab or nothing: after
 * `…345Zfoo` the index would have the word `foo`, where the whole message has `345zfoo`, so leaving the time out
 * would change which words the line has beyond the time's own.
 */
export function elidesTime(message: string, timestamp: string, ms: number): boolean {
  if (!(ms >= 0 && timestamp.length === ELIDED_TIME_CHARS && message.startsWith(timestamp))) return false;
  const next = message.charCodeAt(ELIDED_TIME_CHARS);
  return Number.isNaN(next) || next === SPACE || next === TAB;
}

const SPACE = 0x20;
const TAB = 0x09;

/**
 * The message as written, from what the `message` column holds as text and whether it is kept without its time
 * (a BLOB): then `time`, the row key's time as toISOString() writes it, goes back in front.
 */
export function storedMessage(text: string, timeElided: boolean, time: string): string {
  return timeElided ? time + text : text;
}

/**
 * SQL for the text whose words are the message's words, of the events row aliased `e`: what the column holds (the
 * full-text index's text), without a time left out, or for a message in a block its reference, which the word
 * functions read the text of (messageWordsSql). Every word match (phrases checked after FTS5, wildcards and
 * regexes scanned) reads this, so a word is found, or not, the same way whichever path a query takes.
 */
export const MESSAGE_WORDS_SQL = messageWordsSql('e.message');

/**
 * The ECS document as the `doc` column keeps it: without the message and without the values that have a column of
 * their own (`host.name`, `service.name`, `log.level`, `log.file.path`, `log.offset`, `event.id`, `event.dataset`,
 * `event.ingested` when the column renders back to the same text, and `@timestamp` when the row key does). Those
 * made up nearly all of the JSON: a plain line's document is `{}`, where `@timestamp` and `event.dataset` alone were
 * 68 of its row's ~150 bytes. A value is left out only when it is exactly what the column gives back, so
 * restoreDocument() returns the document as it was written; documents of rows written before this keep every field,
 * and the fields they keep win.
 */
export function storedJson(id: string, doc: EcsDocument, columns: ColumnsGiveBack): string {
  const { message, host, service, log, event } = doc;
  const timestamp = doc['@timestamp'];
  const mutable = doc as Partial<EcsDocument>;
  // JSON.stringify leaves out undefined properties: values are hidden for one call instead of copying the document.
  if (columns.timestamp) mutable['@timestamp'] = undefined;
  mutable.message = undefined;
  if (host && hasOnly(host, 'name')) mutable.host = undefined;
  if (service && hasOnly(service, 'name')) mutable.service = undefined;
  if (log) mutable.log = slimLog(log);
  mutable.event = slimEvent(id, event, columns.ingested);
  try {
    // Most documents are left with nothing (a plain line's): '{}' without the serializer's walk.
    for (const key in doc)
      if ((doc as unknown as Record<string, unknown>)[key] !== undefined) return JSON.stringify(doc);
    return '{}';
  } finally {
    doc['@timestamp'] = timestamp;
    doc.message = message;
    doc.host = host;
    doc.service = service;
    doc.log = log;
    doc.event = event;
  }
}

/** Whether the row key renders back to the event's `@timestamp`, and the `ingested` column to `event.ingested`. */
export interface ColumnsGiveBack {
  timestamp: boolean;
  ingested: boolean;
}

/** The columns a stored document is completed from. */
export interface DocumentColumns {
  ms: number;
  id: string;
  host: string | null;
  service: string | null;
  level: string | null;
  source: string | null;
  off: number | null;
  ingested: number;
  message: string;
  doc: string;
  /** Null in rows of version-1 files, whose document holds it (embedded-schema.ts). */
  dataset: string | null;
  /** `ms` as toISOString() writes it, when the read has rendered it already. */
  time?: string;
}

/** The document as written, from its JSON and its columns (storedJson() in reverse). */
export function restoreDocument(row: DocumentColumns): EcsDocument {
  const stored = JSON.parse(row.doc) as Partial<EcsDocument>;
  // `@timestamp` first, where the document had it (exports and hits keep the order the event was written in).
  const doc = (
    stored['@timestamp'] === undefined
      ? { '@timestamp': row.time ?? new Date(row.ms).toISOString(), ...stored }
      : stored
  ) as EcsDocument;
  doc.message = row.message;
  if (row.host !== null) doc.host ??= { name: row.host };
  if (row.service !== null) doc.service ??= { name: row.service };
  if (row.level !== null || row.source !== null || row.off !== null) {
    const log = (doc.log ??= {});
    if (row.level !== null) log.level ??= row.level as Level;
    if (row.source !== null) log.file ??= { path: row.source };
    if (row.off !== null) log.offset ??= row.off;
  }
  const event = (doc.event ??= {} as EcsDocument['event']);
  event.id ??= row.id;
  event.ingested ??= new Date(row.ingested).toISOString();
  if (row.dataset !== null) event.dataset ??= row.dataset;
  return doc;
}

function hasOnly(value: object, key: string): boolean {
  for (const k in value) if (k !== key) return false;
  return true;
}

/** `log` without level, file path and offset; undefined when nothing else is in it. */
function slimLog(log: NonNullable<EcsDocument['log']>): EcsDocument['log'] | undefined {
  let rest: Record<string, unknown> | undefined;
  for (const key in log) {
    const value = (log as Record<string, unknown>)[key];
    if (key === 'level' || (key === 'offset' && typeof value === 'number')) continue;
    if (key === 'file' && value && hasOnly(value, 'path')) continue;
    (rest ??= {})[key] = value;
  }
  return rest;
}

/**
 * `event` without the id (the row's id), the dataset (its column) and, when the column gives it back exactly, the
 * ingest time; undefined when nothing else is in it.
 */
function slimEvent(id: string, event: EcsDocument['event'], ingestedFromColumn: boolean): EcsDocument['event'] {
  let rest: Record<string, unknown> | undefined;
  for (const key in event) {
    const value = (event as unknown as Record<string, unknown>)[key];
    if (key === 'id' && value === id) continue;
    if (key === 'ingested' && ingestedFromColumn) continue;
    if (key === 'dataset' && typeof value === 'string') continue;
    (rest ??= {})[key] = value;
  }
  return rest as unknown as EcsDocument['event'];
}
