/**
 * The field catalogue: every field logship stores, with its type, how a query searches it and where each store
 * keeps it. Everything else derives from it: the Elasticsearch index template, both query compilers, top values,
 * the field listing, the JSON parser's typed fields and the hit builder. A fact written a second time elsewhere
 * drifts: `error.message` was text in the template but compared as a whole value by both compilers.
 *
 * In Elasticsearch every field lives under its own name (a dotted name is a path of objects, typed by the template);
 * in the embedded store where `EmbeddedPlace` says.
 */
import { CollectorError } from '../collector-error.js';

/** The value types fields have (the Elasticsearch mapping types they become). */
export type FieldType = 'keyword' | 'long' | 'double' | 'ip' | 'text' | 'date' | 'boolean' | 'binary';

/**
 * Where the embedded store keeps a field's value:
 * - `column`: a column of its own in `events` (indexed where searches filter on it); `fts` when FTS5 indexes it;
 *   `documentBefore` when rows written before the column existed keep the value in the JSON document instead
 *   (at its nested path), which a read then takes;
 * - `key`: the millisecond of the row key (`@timestamp`, event-key.ts);
 * - `nested`: a path of objects in the JSON document (`event.dataset` → `$.event.dataset`);
 * - `flat`: one key with dots in the JSON document (`url.path` → `$."url.path"`), as the parsers write fields;
 * - `label`: a key of the `labels` object.
 * Dates in a column or the key are epoch ms; dates in the JSON document are ISO-8601 text.
 */
export type EmbeddedPlace =
  | { kind: 'column'; column: string; fts?: true; documentBefore?: true }
  | { kind: 'key' }
  | { kind: 'nested' }
  | { kind: 'flat' }
  | { kind: 'label' };

/** What the stores and compilers need to know about one field. */
export interface FieldFacts {
  /** The stored (ECS) name. */
  readonly name: string;
  readonly type: FieldType;
  /**
   * Analysed into lower-case words (type `text`): a word or a phrase matches inside the value, wildcards and regexes
   * match single words, and there are no exact values to count or compare ranges on.
   */
  readonly fullText: boolean;
  /** Values are stored lower-case: an unquoted query value is folded before it is compared (`level:ERROR`). */
  readonly lowerCase: boolean;
  /** The value is a list of keywords (`log.flags`): a term matches any element. */
  readonly list: boolean;
  /** Every event has a value (`field:*` matches all). */
  readonly always: boolean;
  /** Set by the format parsers under its flat ECS name; a JSON log's value of another type becomes a label. */
  readonly parsed: boolean;
  /** Listed in the catalogue (labels and other fields found in documents are not). */
  readonly known: boolean;
  readonly embedded: EmbeddedPlace;
}

/** Elasticsearch does not index keyword values longer than this (`ignore_above`), so no query matches them. */
export const KEYWORD_MAX_LENGTH = 1024;

/** The prefix of the fields senders name themselves (`fields` of the shipper, JSON logs' own keys). */
export const LABELS_PREFIX = 'labels.';

type Options = Partial<Pick<FieldFacts, 'lowerCase' | 'list' | 'always'>>;

const column = (name: string): EmbeddedPlace => ({ kind: 'column', column: name });
const NESTED: EmbeddedPlace = { kind: 'nested' };
const FLAT: EmbeddedPlace = { kind: 'flat' };
const LABEL: EmbeddedPlace = { kind: 'label' };

/** The fields of every event, kept as nested objects in the document (`host: { name }`). */
const CORE: readonly [string, FieldType, EmbeddedPlace, Options?][] = [
  ['@timestamp', 'date', { kind: 'key' }, { always: true }],
  ['message', 'text', { kind: 'column', column: 'message', fts: true }, { always: true }],
  ['host.name', 'keyword', column('host')],
  ['service.name', 'keyword', column('service')],
  ['log.level', 'keyword', column('level'), { lowerCase: true }],
  ['log.file.path', 'keyword', column('source')],
  ['log.offset', 'long', column('off')],
  ['log.flags', 'keyword', NESTED, { list: true }],
  ['log.original_bytes', 'long', NESTED],
  ['event.id', 'keyword', column('id'), { always: true }],
  ['event.ingested', 'date', column('ingested'), { always: true }],
  ['event.created', 'date', NESTED],
  ['event.dataset', 'keyword', { kind: 'column', column: 'dataset', documentBefore: true }, { always: true }],
];

/**
 * The fields the format parsers set, under their flat ECS names. Typed up front, so the first event of a day cannot
 * fix a wrong type in Elasticsearch by dynamic mapping, and a JSON log's value of the wrong type becomes a label
 * instead of being refused.
 */
const PARSED: readonly [string, FieldType][] = [
  ['http.request.method', 'keyword'],
  ['http.request.referrer', 'keyword'],
  ['http.request.id', 'keyword'],
  ['http.request.body.bytes', 'long'],
  ['http.response.status_code', 'long'],
  ['http.response.body.bytes', 'long'],
  ['http.version', 'keyword'],
  ['url.original', 'keyword'],
  ['url.path', 'keyword'],
  ['url.query', 'keyword'],
  ['url.domain', 'keyword'],
  ['url.full', 'keyword'],
  ['url.scheme', 'keyword'],
  ['source.ip', 'ip'],
  ['source.port', 'long'],
  ['source.address', 'keyword'],
  ['client.ip', 'ip'],
  ['client.address', 'keyword'],
  ['destination.ip', 'ip'],
  ['destination.port', 'long'],
  ['server.address', 'keyword'],
  ['user.name', 'keyword'],
  ['user.id', 'keyword'],
  ['user_agent.original', 'keyword'],
  ['process.pid', 'long'],
  ['process.name', 'keyword'],
  ['process.thread.id', 'long'],
  ['process.thread.name', 'keyword'],
  ['host.hostname', 'keyword'],
  ['log.logger', 'keyword'],
  ['log.original_level', 'keyword'],
  ['log.origin.file.name', 'keyword'],
  ['log.origin.file.line', 'long'],
  ['log.origin.function', 'keyword'],
  ['log.syslog.priority', 'long'],
  ['log.syslog.facility.code', 'long'],
  ['log.syslog.severity.code', 'long'],
  ['log.syslog.hostname', 'keyword'],
  ['log.syslog.appname', 'keyword'],
  ['log.syslog.procid', 'keyword'],
  ['log.syslog.msgid', 'keyword'],
  ['log.syslog.structured_data', 'keyword'],
  ['error.type', 'keyword'],
  ['error.code', 'keyword'],
  ['error.message', 'text'],
  ['error.stack_trace', 'text'],
  ['event.duration', 'long'],
  // The shipper's original bytes of a line that was not UTF-8 (flag `invalid_utf8`); stored, never indexed.
  ['event.original_base64', 'binary'],
  ['trace.id', 'keyword'],
  ['span.id', 'keyword'],
  ['transaction.id', 'keyword'],
  ['nginx.error.connection_id', 'long'],
  ['nginx.error.upstream', 'keyword'],
  ['postgresql.database', 'keyword'],
  ['postgresql.session_line', 'long'],
  ['postgresql.session_id', 'keyword'],
  ['postgresql.application_name', 'keyword'],
  ['postgresql.backend_type', 'keyword'],
  ['postgresql.detail', 'text'],
  ['postgresql.hint', 'text'],
  ['postgresql.query', 'text'],
  ['mysql.slowlog.lock_time.sec', 'double'],
  ['mysql.slowlog.rows_sent', 'long'],
  ['mysql.slowlog.rows_examined', 'long'],
  ['mysql.slowlog.schema', 'keyword'],
];

function facts(name: string, type: FieldType, embedded: EmbeddedPlace, known: boolean, options: Options = {}) {
  const parsed = known && embedded.kind === 'flat';
  return Object.freeze<FieldFacts>({
    name,
    type,
    fullText: type === 'text',
    lowerCase: options.lowerCase ?? false,
    list: options.list ?? false,
    always: options.always ?? false,
    parsed,
    known,
    embedded,
  });
}

/** A Map, not an object: a name such as `constructor` must not find Object.prototype's. */
const CATALOGUE = new Map<string, FieldFacts>([
  ...CORE.map(([name, type, place, options]) => [name, facts(name, type, place, true, options)] as const),
  ...PARSED.map(([name, type]) => [name, facts(name, type, FLAT, true)] as const),
]);

/** Every field of the catalogue, core fields first. */
export const KNOWN_FIELDS: readonly FieldFacts[] = [...CATALOGUE.values()];

/**
 * The facts of a stored field name. Labels and other fields found in documents (from JSON logs through `_bulk`)
 * are exact keywords in the JSON document, as Elasticsearch's dynamic templates map them.
 */
export function fieldFacts(name: string): FieldFacts {
  return CATALOGUE.get(name) ?? facts(name, 'keyword', name.startsWith(LABELS_PREFIX) ? LABEL : FLAT, false, {});
}

/** The type of a field the parsers may set under its flat ECS name, or undefined for any other name. */
export function parsedFieldType(name: string): FieldType | undefined {
  const known = CATALOGUE.get(name);
  return known?.parsed ? known.type : undefined;
}

/** The core fields kept as a path of objects in the document (`host.name` as `host: { name }`), by stored name. */
export const NESTED_FIELDS: ReadonlySet<string> = new Set(
  CORE.filter(([name]) => name.includes('.')).map(([name]) => name),
);

/** The top-level keys of the document that hold core fields as nested objects (`host`, `log`, `event`). */
export const NESTED_ROOTS: ReadonlySet<string> = new Set(
  [...NESTED_FIELDS].map((name) => name.slice(0, name.indexOf('.'))),
);

/**
 * The field whose top values a request asks for. Full-text fields have no exact values to count (Elasticsearch
 * refuses to aggregate analysed text, and whole stack traces would be one value each): every store refuses them the
 * same way.
 */
export function topValuesField(name: string): FieldFacts {
  const field = fieldFacts(name);
  if (field.fullText) {
    throw new CollectorError('BAD_PARAMETER', `"${name}" is full text; top values exist for exact fields.`, 400, {
      parameter: 'name',
    });
  }
  return field;
}

/** The value a term compares: folded for lower-case fields unless quoted (`level:ERROR` finds `error`). */
export function termValue(field: FieldFacts, term: { value: string; phrase: boolean }): string {
  return field.lowerCase && !term.phrase ? term.value.toLowerCase() : term.value;
}

/**
 * The `@timestamp` values the stores accept: 1970-01-01T00:00:00.000Z up to 2199-12-31T23:59:59.999Z. The embedded
 * store's row key holds the millisecond shifted by 20 bits, which wraps past about ±2^43 ms (years 1691 and 2248):
 * a wrapped key collided with real events' keys and made them "duplicates". Events outside are dead-lettered.
 */
export const ACCEPTED_TIMES = {
  min: '1970-01-01T00:00:00.000Z',
  max: '2199-12-31T23:59:59.999Z',
  minMs: Date.parse('1970-01-01T00:00:00.000Z'),
  maxMs: Date.parse('2199-12-31T23:59:59.999Z'),
} as const;

/** Whether an event time (epoch ms) is one the stores accept. */
export function isAcceptedTime(ms: number): boolean {
  return ms >= ACCEPTED_TIMES.minMs && ms <= ACCEPTED_TIMES.maxMs;
}

/** Whether an ISO-8601 time is an accepted event time; canonical `toISOString()` text compares as text, unparsed. */
export function isAcceptedTimestamp(iso: string): boolean {
  if (iso.length === 24 && iso[10] === 'T' && iso[23] === 'Z' && iso[0]! >= '0' && iso[0]! <= '9') {
    return iso >= ACCEPTED_TIMES.min && iso <= ACCEPTED_TIMES.max;
  }
  return isAcceptedTime(Date.parse(iso));
}

/** The reason an event time outside ACCEPTED_TIMES is refused with (`name`: `@timestamp` or `read_at`). */
export function outsideAcceptedTimes(name: string, value: string): string {
  return `"${name}" ${value.slice(0, 64)} is outside the accepted times, ${ACCEPTED_TIMES.min} to ${ACCEPTED_TIMES.max}.`;
}
