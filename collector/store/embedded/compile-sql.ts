import type { QueryNode } from '../../query/ast.js';
import { QueryError } from '../../query/query-error.js';
import { queryTimeMs } from '../../query/time-expression.js';
import { fieldFacts, LABELS_PREFIX, termValue, type FieldFacts } from '../field-catalogue.js';
import { MILLISECOND_KEYS, type KeyLayout } from './event-key.js';
import type { PrefixWords } from './prefix-words.js';
import { codeEqualsParams, codeEqualsSql, isNamedColumn, nameSql } from './stored-names.js';
import { MESSAGE_WORDS_SQL } from './stored-document.js';
import { luceneRegex, messageTokens, wildcardRegex } from './sql-functions.js';

/**
 * A query compiled for the embedded store. `fts` is an FTS5 expression every hit must match (it drives the read in
 * rowid order, so "newest N" stops early); `where` is SQL over the events table aliased `e`, with `params` bound
 * to its `?` in order.
 */
export interface CompiledSql {
  fts: string | null;
  where: string;
  params: unknown[];
  /**
   * Whether `where` reads the message of each row it tests (a phrase's word order, a wildcard or regex on the
   * message): the message is decoded from its block for each such row (message-blocks.ts).
   */
  readsMessages: boolean;
}

/**
 * Compiles the AST to SQL + FTS5: the top-level AND's full-text parts become one FTS5 expression.
 *
 * The full-text index keeps which events hold a word, not where in them (`detail = none`, embedded-schema.ts), so
 * FTS5 finds the events holding every word of a phrase, and the words' order is checked on the message itself
 * (`ls_phrase_tokens`) for those events only. Files written before keep positions; the same check runs on them.
 * `keys`: the file's key layout, which `@timestamp` is read from (event-key.ts).
 */
export function compileSql(
  node: QueryNode,
  now: number = Date.now(),
  words?: PrefixWords,
  keys: KeyLayout = MILLISECOND_KEYS,
): CompiledSql {
  const at: Context = { now, keys };
  const children = node.kind === 'and' ? node.children : [node];
  const positive: string[] = [];
  const negative: string[] = [];
  const rest: QueryNode[] = [];
  const checks: QueryNode[] = [];
  for (const child of children) {
    if (child.kind === 'not' && isFts(child.child) && exact(child.child)) negative.push(ftsExpr(child.child, words));
    else if (child.kind !== 'not' && child.kind !== 'all' && isFts(child)) {
      positive.push(ftsExpr(child, words));
      if (!exact(child)) checks.push(child);
    } else rest.push(child);
  }
  const params: unknown[] = [];
  const where: string[] = [];
  let fts: string | null = null;
  if (positive.length > 0) {
    fts = positive.map((p) => `(${p})`).join(' AND ');
    if (negative.length > 0) fts = `(${fts}) NOT (${negative.map((n) => `(${n})`).join(' OR ')})`;
  } else {
    for (const n of negative) {
      where.push('e.rowid NOT IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)');
      params.push(n);
    }
  }
  for (const child of rest) where.push(sqlExpr(child, params, at));
  // After the other filters: SQLite tests the terms in this order, and these tokenize the message in JavaScript.
  for (const child of checks) where.push(messageSql(child, params));
  // ls_live() first, evaluated for every row a statement visits: a cancelled read stops at the next row
  // (sql-functions.ts), however long the scan would have run.
  return {
    fts,
    where: [LIVE, ...where.map((w) => `(${w})`)].join(' AND '),
    params,
    readsMessages: where.some((w) => w.includes(MESSAGE_WORDS_SQL)),
  };
}

/** The WHERE of a query with no filter beyond its full-text part: only the liveness check. */
export const LIVE = 'ls_live()';

/**
 * A compiled WHERE without its liveness check, for a statement that visits few rows whose caller checks between
 * statements instead (QueryFunctions.check): the check is a call into JavaScript for every row visited.
 */
export function withoutLive(where: string): string {
  if (where === LIVE) return '1';
  return where.startsWith(`${LIVE} AND `) ? where.slice(LIVE.length + 5) : where;
}

/** Whether FTS5 alone can answer the node: words, phrases and plain prefixes on the message, combined. */
function isFts(node: QueryNode): boolean {
  switch (node.kind) {
    case 'term':
      if (node.field !== null && !inFts(fieldFacts(node.field))) return false;
      if (messageTokens(node.value.replace(/\\(.)/g, '$1')).length === 0) return false;
      return !node.wildcard || simplePrefix(node.value) !== null;
    case 'and':
      return (
        node.children.some((c) => c.kind !== 'not') && node.children.every((c) => isFts(c.kind === 'not' ? c.child : c))
      );
    case 'or':
      return node.children.length > 0 && node.children.every(isFts);
    default:
      return false;
  }
}

/**
 * Whether ftsExpr() of a node isFts() accepted matches exactly the events the node does: false when a phrase of
 * several words is in it, which FTS5 finds as "all these words" only (then messageSql() checks the events found).
 */
function exact(node: QueryNode): boolean {
  switch (node.kind) {
    case 'term':
      return node.wildcard || messageTokens(node.value).length <= 1;
    case 'and':
    case 'or':
      return node.children.every((c) => exact(c.kind === 'not' ? c.child : c));
    case 'not':
      return exact(node.child);
    default:
      return true;
  }
}

/** `abc*` (one word, no other wildcard) as its word, else null. */
function simplePrefix(value: string): string | null {
  const m = /^([\p{L}\p{N}_]+)\*$/u.exec(value);
  return m ? m[1]!.toLowerCase() : null;
}

/**
 * The FTS5 expression of a node isFts() accepted, matching every event the node matches (exactly so when exact()).
 * Every user string is quoted, so no FTS5 syntax leaks in. A prefix is searched as its few indexed words when
 * `words` lists them (prefix-words.ts).
 */
function ftsExpr(node: QueryNode, words?: PrefixWords): string {
  switch (node.kind) {
    case 'term': {
      if (node.wildcard) {
        const prefix = simplePrefix(node.value)!;
        const found = words?.(prefix);
        return found && found.length > 0 ? found.map(quote).join(' OR ') : `${quote(prefix)}*`;
      }
      // A word like "web-1" is several tokens, found as all of them (their order is checked by messageSql()).
      return messageTokens(node.value).map(quote).join(' AND ');
    }
    case 'and': {
      const pos = node.children.filter((c) => c.kind !== 'not').map((c) => `(${ftsExpr(c, words)})`);
      // A negated phrase found as "all its words" would also drop events with the words in another order: only
      // exact negations narrow the FTS5 expression, the others are left to messageSql().
      const neg = node.children.flatMap((c) =>
        c.kind === 'not' && exact(c.child) ? [`(${ftsExpr(c.child, words)})`] : [],
      );
      const all = pos.join(' AND ');
      return neg.length ? `(${all}) NOT (${neg.join(' OR ')})` : all;
    }
    case 'or':
      return node.children.map((c) => `(${ftsExpr(c, words)})`).join(' OR ');
    default:
      throw new Error(`ftsExpr: ${node.kind} is not full text`);
  }
}

/**
 * SQL matching a node isFts() accepted on the message text itself: words in order, prefixes of words, combined.
 * Each row costs a tokenization in JavaScript, so it only runs on the rows FTS5 found.
 */
function messageSql(node: QueryNode, params: unknown[]): string {
  switch (node.kind) {
    case 'term':
      if (node.wildcard) {
        params.push(`${simplePrefix(node.value)!}*`);
        return `ls_wildcard_tokens(${MESSAGE_WORDS_SQL}, ?)`;
      }
      params.push(messageTokens(node.value).join(' '));
      return `ls_phrase_tokens(${MESSAGE_WORDS_SQL}, ?)`;
    case 'and':
    case 'or':
      return node.children.map((c) => `(${messageSql(c, params)})`).join(node.kind === 'and' ? ' AND ' : ' OR ');
    case 'not':
      return `NOT (${messageSql(node.child, params)})`;
    default:
      throw new Error(`messageSql: ${node.kind} is not full text`);
  }
}

/** Whether FTS5 indexes the field (the message). */
function inFts(field: FieldFacts): boolean {
  return field.embedded.kind === 'column' && field.embedded.fts === true;
}

function quote(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/** SQL for any node; NULLs (missing fields) count as "no match", also under NOT. */
/** What compiling needs besides the query: the time `now-…` is relative to, and the file's key layout (`@timestamp`). */
interface Context {
  now: number;
  keys: KeyLayout;
}

function sqlExpr(node: QueryNode, params: unknown[], at: Context): string {
  switch (node.kind) {
    case 'all':
      return '1';
    case 'and':
      return node.children.length ? node.children.map((c) => `(${sqlExpr(c, params, at)})`).join(' AND ') : '1';
    case 'or':
      return node.children.length ? node.children.map((c) => `(${sqlExpr(c, params, at)})`).join(' OR ') : '0';
    case 'not':
      return `NOT coalesce((${sqlExpr(node.child, params, at)}), 0)`;
    case 'term':
      return termSql(fieldFacts(node.field ?? 'message'), node, params, at);
    case 'range':
      return rangeSql(fieldFacts(node.field), node, params, at);
    case 'regex': {
      const field = fieldFacts(node.field ?? 'message');
      // Full text: the regex matches one word, as Lucene's does on analysed terms.
      luceneRegex(node.pattern, field.fullText);
      params.push(node.pattern);
      return `${field.fullText ? 'ls_regex_tokens' : 'ls_regex'}(${valueSql(field.name, at.keys)}, ?)`;
    }
    case 'exists':
      return fieldFacts(node.field).always ? '1' : `${valueSql(node.field, at.keys)} IS NOT NULL`;
    default:
      throw new QueryError(
        'QUERY_UNSUPPORTED',
        `The embedded store cannot run "${(node as { kind?: unknown }).kind as string}" queries yet.`,
      );
  }
}

function termSql(
  field: FieldFacts,
  term: Extract<QueryNode, { kind: 'term' }>,
  params: unknown[],
  at: Context,
): string {
  if (field.fullText) return textSql(field, term, params, at);
  const value = termValue(field, term);
  const sql = valueSql(field.name, at.keys);
  if (field.type === 'date') {
    params.push(dateParam(field, value, at.now));
    return `${sql} = ?`;
  }
  if (term.wildcard) {
    // LIKE backtracks: with several `%` its cost grows as the value length to the power of their number
    // (`a*a*a*a*b` on a long value). One `*` stays LIKE (linear); more go to the automaton matcher.
    if (unescapedStars(value) > 1) {
      wildcardRegex(value);
      params.push(value);
      return `ls_wildcard(${sql}, ?)`;
    }
    params.push(likePattern(value));
    return `${sql} LIKE ? ESCAPE '\\'`;
  }
  if (field.list) {
    params.push(value);
    return `EXISTS (SELECT 1 FROM json_each(${sql}) WHERE value = ?)`;
  }
  const numeric = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : null;
  // A keyword column holds text only; elsewhere a number typed in a query matches numeric values (status codes)
  // and text values alike, as in Elasticsearch.
  if (numeric !== null && !(field.type === 'keyword' && field.embedded.kind === 'column')) {
    params.push(value, numeric);
    return `${sql} IN (?, ?)`;
  }
  const place = field.embedded;
  if (place.kind === 'column' && isNamedColumn(place.column)) {
    params.push(...codeEqualsParams(place.column, value));
    if (!place.documentBefore) return codeEqualsSql(place.column);
    params.push(value);
    return `(${codeEqualsSql(place.column)} OR (e.${place.column} IS NULL AND json_extract(e.doc, '$.${field.name}') = ?))`;
  }
  params.push(value);
  return `${sql} = ?`;
}

/**
 * A word, phrase or wildcard on a full-text field: the message through FTS5, other text fields (`error.message`)
 * by their words, as Elasticsearch's match_phrase and wildcard on analysed text match.
 */
function textSql(
  field: FieldFacts,
  term: Extract<QueryNode, { kind: 'term' }>,
  params: unknown[],
  at: Context,
): string {
  const sql = valueSql(field.name, at.keys);
  if (inFts(field)) {
    const node: QueryNode = { ...term, field: null };
    if (isFts(node)) {
      params.push(ftsExpr(node));
      const found = 'e.rowid IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)';
      return exact(node) ? found : `${found} AND ${messageSql(node, params)}`;
    }
  }
  if (term.wildcard) {
    wildcardRegex(term.value);
    params.push(term.value);
    return `ls_wildcard_tokens(${sql}, ?)`;
  }
  const tokens = messageTokens(term.value);
  // No word characters at all: Elasticsearch's analyser yields no token, and the phrase matches nothing.
  if (tokens.length === 0) return '0';
  params.push(tokens.join(' '));
  return `ls_phrase_tokens(${sql}, ?)`;
}

function rangeSql(
  field: FieldFacts,
  node: Extract<QueryNode, { kind: 'range' }>,
  params: unknown[],
  at: Context,
): string {
  if (field.fullText) {
    throw new QueryError('QUERY_UNSUPPORTED', `"${field.name}" is full text; ranges compare exact values.`);
  }
  const sql = valueSql(field.name, at.keys);
  const parts: string[] = [];
  const ops = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
  for (const key of ['gt', 'gte', 'lt', 'lte'] as const) {
    const bound = node[key];
    if (bound === undefined) continue;
    params.push(field.type === 'date' ? dateParam(field, bound, at.now) : bound);
    parts.push(`${sql} ${ops[key]} ?`);
  }
  return parts.length ? parts.join(' AND ') : `${sql} IS NOT NULL`;
}

/** A time of a query as the store keeps the field: epoch ms in a column or the key, ISO-8601 text in the document. */
function dateParam(field: FieldFacts, value: string | number, now: number): number | string {
  const ms = queryTimeMs(field.name, value, now);
  const kind = field.embedded.kind;
  return kind === 'column' || kind === 'key' ? ms : new Date(ms).toISOString();
}

/**
 * The SQL of a field's stored value: its column, the key's millisecond, or its place in the JSON document. `coded`:
 * a named column's code as stored (stored-names.ts), for a GROUP BY that looks up each group's name once.
 */
export function valueSql(name: string, keys: KeyLayout, coded = false): string {
  const place = fieldFacts(name).embedded;
  switch (place.kind) {
    case 'column': {
      const column =
        place.column === 'message'
          ? MESSAGE_WORDS_SQL
          : place.column === 'ingested'
            ? keys.sqlIngested('e')
            : isNamedColumn(place.column) && !coded
              ? nameSql(place.column)
              : `e.${place.column}`;
      // Catalogue names only, as for `nested`: rows of version 1 files have no column value (embedded-schema.ts).
      return place.documentBefore ? `coalesce(${column}, json_extract(e.doc, '$.${name}'))` : column;
    }
    case 'key':
      return keys.sqlMs('e');
    case 'nested':
      // Catalogue names only: plain words joined by dots.
      return `json_extract(e.doc, '$.${name}')`;
    case 'flat':
    case 'label': {
      // Field names come from the query; one that cannot be written as a JSON path has no value anywhere (a NUL
      // would also end the SQL text early).
      // eslint-disable-next-line no-control-regex -- NUL is one of the characters looked for.
      if (/["\\\u0000]/.test(name) || name.length === 0) return 'NULL';
      const key = place.kind === 'label' ? `labels."${name.slice(LABELS_PREFIX.length)}"` : `"${name}"`;
      return `json_extract(e.doc, '$.${sqlText(key)}')`;
    }
  }
}

/** Doubles single quotes for a SQL string literal. */
function sqlText(text: string): string {
  return text.replaceAll("'", "''");
}

/** A `*`/`?` wildcard as a LIKE pattern with `\` escapes (LIKE is case-insensitive, as the Elasticsearch query). */
function likePattern(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && i + 1 < value.length) {
      const next = value[++i]!;
      out += next === '%' || next === '_' || next === '\\' ? `\\${next}` : next;
    } else if (c === '*') out += '%';
    else if (c === '?') out += '_';
    else if (c === '%' || c === '_') out += `\\${c}`;
    else out += c;
  }
  return out;
}

/** The number of `*` wildcards in a term, escaped ones not counted. */
function unescapedStars(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '\\') i++;
    else if (value[i] === '*') n++;
  }
  return n;
}
