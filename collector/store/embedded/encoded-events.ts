import type { StoredEvent } from '../ecs-document.js';
import type { DeadLetter } from '../log-store.js';
import { CanonicalTimeReader } from '../../ingest/parse/canonical-time.js';
import { MINUTE_MS } from './count-rollup.js';
import { ELIDED_TIME_CHARS, elidesTime, storedJson, type ColumnsGiveBack } from './stored-document.js';

/**
 * A request's events in the form they cross to the writer thread: each event's id, message and document JSON
 * concatenated into one `text`, and the numbers and string lengths in one Float64Array whose buffer is transferred, not copied.
 * Structured clone would walk thousands of objects per request on both threads; one string and one buffer are
 * copied in one go. Everything that needs no database (the JSON of the document, the parsed times, the rollup
 * slot of each event) is done here, on the thread that parses, so the writer thread only inserts.
 */
export interface EncodedEvents {
  count: number;
  text: string;
  numbers: Float64Array;
  /** The distinct rollup keys of the events (count-rollup.ts); each event names its key by index. */
  groups: CountGroup[];
  /** The distinct `event.dataset` values of the events; each event names its own by index. */
  datasets: string[];
}

/**
 * A rollup key: minute (epoch ms / 60,000), host, service, level, source; null for a missing value (`event_counts`
 * keeps it as ''). An event's host, service, level and source are its key's: they cross the thread once per key
 * instead of once per event, and the writer reads the same string objects again and again, whose hashes V8 has
 * computed already when it looks their codes up (stored-names.ts).
 */
export type CountGroup = [
  minute: number,
  host: string | null,
  service: string | null,
  level: string | null,
  source: string | null,
];

/** One event as the writer reads it back. */
export interface EncodedEvent {
  /** Epoch ms of `@timestamp`; NaN when it is not a valid time. */
  ms: number;
  ingestedMs: number;
  /** Index of the event's rollup key in `groups`. */
  group: number;
  id: string;
  host: string | null;
  service: string | null;
  level: string | null;
  source: string | null;
  offset: number | null;
  /** The message, without its leading time when `timeElided` (stored-document.ts). */
  message: string;
  timeElided: boolean;
  /** The ECS document as JSON, without the values stored in columns (stored-document.ts). */
  doc: string;
  dataset: string | null;
}

/**
 * Numbers per event: ms, ingested ms, offset, rollup key, dataset (-1 for none), the length of each string (id,
 * message, document JSON), then 1 when the message is without its leading time.
 */
const STRIDE = 9;
const NONE = -1;

/** Whether the milliseconds `ms` (parsed from `text`) render back to exactly `text`, so a column of them can stand for it. */
function rendersBack(ms: number, text: string): boolean {
  return Number.isFinite(ms) && new Date(ms).toISOString() === text;
}

/**
 * The rollup keys of one request by their parts: (host, service, level, source) is numbered once, and each minute
 * maps those numbers to groups. A key string per event (the parts joined) had to be built and hashed for every
 * event: a fifth of encodeEvents' time.
 */
class GroupIndex {
  private readonly names = new Map<string | null, Map<Name, Map<Name, Map<Name, number>>>>();
  private readonly minutes = new Map<number, number[]>();
  private nextName = 0;

  get(minute: number, host: Name, service: Name, level: Name, source: Name): number | undefined {
    const name = this.names.get(host)?.get(service)?.get(level)?.get(source);
    return name === undefined ? undefined : this.minutes.get(minute)?.[name];
  }

  set(minute: number, host: Name, service: Name, level: Name, source: Name, group: number): void {
    let services = this.names.get(host);
    if (!services) this.names.set(host, (services = new Map()));
    let levels = services.get(service);
    if (!levels) services.set(service, (levels = new Map()));
    let sources = levels.get(level);
    if (!sources) levels.set(level, (sources = new Map()));
    let name = sources.get(source);
    if (name === undefined) sources.set(source, (name = this.nextName++));
    let groups = this.minutes.get(minute);
    if (!groups) this.minutes.set(minute, (groups = []));
    groups[name] = group;
  }
}

type Name = string | null;

/** Encodes events for the writer thread. */
export function encodeEvents(events: readonly StoredEvent[]): EncodedEvents {
  const numbers = new Float64Array(events.length * STRIDE);
  const parts: string[] = [];
  const groups: CountGroup[] = [];
  const groupOf = new GroupIndex();
  const datasets: string[] = [];
  const datasetOf = new Map<string, number>();
  let lastIngested = '';
  let ingestedMs = 0;
  const columns: ColumnsGiveBack = { timestamp: false, ingested: false };
  const times = new CanonicalTimeReader();
  let at = 0;
  for (const { id, doc } of events) {
    if (doc.event.ingested !== lastIngested) {
      lastIngested = doc.event.ingested;
      ingestedMs = Date.parse(lastIngested);
      columns.ingested = rendersBack(ingestedMs, lastIngested);
    }
    const timestamp = doc['@timestamp'];
    let ms = times.ms(timestamp);
    columns.timestamp = !Number.isNaN(ms);
    if (!columns.timestamp) {
      ms = Date.parse(timestamp);
      columns.timestamp = rendersBack(ms, timestamp);
    }
    const minute = Math.floor(ms / MINUTE_MS);
    const host = doc.host?.name ?? null;
    const service = doc.service?.name ?? null;
    const level = doc.log?.level ?? null;
    const source = doc.log?.file?.path ?? null;
    let group = groupOf.get(minute, host, service, level, source);
    if (group === undefined) {
      group = groups.push([minute, host, service, level, source]) - 1;
      groupOf.set(minute, host, service, level, source, group);
    }
    numbers[at] = ms;
    numbers[at + 1] = ingestedMs;
    const offset = doc.log?.offset;
    numbers[at + 2] = typeof offset === 'number' ? offset : NaN;
    numbers[at + 3] = group;
    const dataset = doc.event.dataset;
    let datasetIndex = NONE;
    if (typeof dataset === 'string') {
      datasetIndex = datasetOf.get(dataset) ?? NONE;
      if (datasetIndex === NONE) datasetOf.set(dataset, (datasetIndex = datasets.push(dataset) - 1));
    }
    numbers[at + 4] = datasetIndex;
    numbers[at + 5] = id.length;
    parts.push(id);
    // Known here for free: the canonical time text was read above, the writer thread would render it again.
    const elided = columns.timestamp && typeof doc.message === 'string' && elidesTime(doc.message, timestamp, ms);
    const message = elided ? doc.message.slice(ELIDED_TIME_CHARS) : doc.message;
    numbers[at + 6] = message.length;
    parts.push(message);
    const json = storedJson(id, doc, columns);
    numbers[at + 7] = json.length;
    parts.push(json);
    numbers[at + 8] = elided ? 1 : 0;
    at += STRIDE;
  }
  return { count: events.length, text: parts.join(''), numbers, groups, datasets };
}

/**
 * Reads encoded events one by one into a single reused object (the writer copies what it keeps), so decoding
 * allocates only the strings themselves.
 */
export class EncodedEventReader {
  readonly event: EncodedEvent = {
    ms: 0,
    ingestedMs: 0,
    group: 0,
    id: '',
    host: null,
    service: null,
    level: null,
    source: null,
    offset: null,
    message: '',
    timeElided: false,
    doc: '',
    dataset: null,
  };
  private index = -1;
  private pos = 0;

  constructor(private readonly encoded: EncodedEvents) {}

  /** Moves to the next event; false after the last. */
  next(): boolean {
    if (++this.index >= this.encoded.count) return false;
    const n = this.encoded.numbers;
    const at = this.index * STRIDE;
    const e = this.event;
    e.ms = n[at]!;
    e.ingestedMs = n[at + 1]!;
    const offset = n[at + 2]!;
    e.offset = Number.isNaN(offset) ? null : offset;
    const group = n[at + 3]!;
    e.group = group;
    const names = this.encoded.groups[group]!;
    e.host = names[1];
    e.service = names[2];
    e.level = names[3];
    e.source = names[4];
    e.dataset = this.encoded.datasets[n[at + 4]!] ?? null;
    e.id = this.take(n[at + 5]!);
    e.message = this.take(n[at + 6]!);
    e.doc = this.take(n[at + 7]!);
    e.timeElided = n[at + 8] === 1;
    return true;
  }

  private take(length: number): string {
    const value = this.encoded.text.slice(this.pos, this.pos + length);
    this.pos += length;
    return value;
  }
}

/**
 * One dead letter as the writer inserts it: received ms and time, code, reason, token, text, base64 bytes, the
 * whole original's length and SHA-256.
 */
export type DeadLetterRow = [
  number,
  string,
  string,
  string,
  string | null,
  string | null,
  string | null,
  number | null,
  string | null,
];

/** Dead letters as rows of primitives: a Buffer would cross the thread as a plain Uint8Array. */
export function deadLetterRows(items: readonly DeadLetter[]): DeadLetterRow[] {
  return items.map((item) => {
    const text = typeof item.original === 'string';
    return [
      Date.parse(item.receivedAt),
      item.receivedAt,
      item.code,
      item.reason,
      item.tokenName ?? null,
      text ? (item.original as string) : null,
      text ? null : (item.original as Buffer).toString('base64'),
      item.originalBytes ?? null,
      item.originalSha256 ?? null,
    ];
  });
}
