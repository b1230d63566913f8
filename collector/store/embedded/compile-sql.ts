import type { QueryNode } from '../../query/ast.js';
import { QueryError } from '../../query/query-error.js';
import { KEY_BITS } from './event-key.js';
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
}

/** Fields stored in their own indexed column. */
const COLUMNS: Readonly<Record<string, string>> = {
  'host.name': 'e.host',
  'service.name': 'e.service',
  'log.level': 'e.level',
  'log.file.path': 'e.source',
  'log.offset': 'e.off',
  'event.id': 'e.id',
};

/** Date fields and the SQL of their value in epoch ms. */
const DATE_COLUMNS: Readonly<Record<string, string>> = {
  '@timestamp': `(e.rowid >> ${KEY_BITS})`,
  'event.ingested': 'e.ingested',
};

/** Nested (non-dotted) document paths; every other dotted name is one flat key of the document. */
const NESTED = new Set(['event.dataset', 'event.created', 'log.flags', 'log.original_bytes']);
/** Values of these fields are stored lower-case (as in compile-elasticsearch.ts). */
const LOWERCASE = new Set(['log.level']);

/** Compiles the AST to SQL + FTS5: the top-level AND's full-text parts become one FTS5 expression. */
export function compileSql(node: QueryNode, now: number = Date.now()): CompiledSql {
  const children = node.kind === 'and' ? node.children : [node];
  const positive: string[] = [];
  const negative: string[] = [];
  const rest: QueryNode[] = [];
  for (const child of children) {
    if (child.kind === 'not' && isFts(child.child)) negative.push(ftsExpr(child.child));
    else if (child.kind !== 'not' && child.kind !== 'all' && isFts(child)) positive.push(ftsExpr(child));
    else rest.push(child);
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
  for (const child of rest) where.push(sqlExpr(child, params, now));
  // ls_live() first, evaluated for every row a statement visits: a cancelled read stops at the next row
  // (sql-functions.ts), however long the scan would have run.
  return { fts, where: [LIVE, ...where.map((w) => `(${w})`)].join(' AND '), params };
}

/** The WHERE of a query with no filter beyond its full-text part: only the liveness check. */
export const LIVE = 'ls_live()';

/** Whether FTS5 alone can answer the node: words, phrases and plain prefixes on the message, combined. */
function isFts(node: QueryNode): boolean {
  switch (node.kind) {
    case 'term':
      if (node.field !== null && node.field !== 'message') return false;
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

/** `abc*` (one word, no other wildcard) as its word, else null. */
function simplePrefix(value: string): string | null {
  const m = /^([\p{L}\p{N}_]+)\*$/u.exec(value);
  return m ? m[1]!.toLowerCase() : null;
}

/** The FTS5 expression of a node isFts() accepted. Every user string is quoted, so no FTS5 syntax leaks in. */
function ftsExpr(node: QueryNode): string {
  switch (node.kind) {
    case 'term': {
      if (node.wildcard) return `${quote(simplePrefix(node.value)!)}*`;
      // A word like "web-1" is several tokens: a phrase keeps them together and in order, as match_phrase does.
      return quote(messageTokens(node.value).join(' '));
    }
    case 'and': {
      const pos = node.children.filter((c) => c.kind !== 'not').map((c) => `(${ftsExpr(c)})`);
      const neg = node.children.flatMap((c) => (c.kind === 'not' ? [`(${ftsExpr(c.child)})`] : []));
      const all = pos.join(' AND ');
      return neg.length ? `(${all}) NOT (${neg.join(' OR ')})` : all;
    }
    case 'or':
      return node.children.map((c) => `(${ftsExpr(c)})`).join(' OR ');
    default:
      throw new Error(`ftsExpr: ${node.kind} is not full text`);
  }
}

function quote(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/** SQL for any node; NULLs (missing fields) count as "no match", also under NOT. */
function sqlExpr(node: QueryNode, params: unknown[], now: number): string {
  switch (node.kind) {
    case 'all':
      return '1';
    case 'and':
      return node.children.length ? node.children.map((c) => `(${sqlExpr(c, params, now)})`).join(' AND ') : '1';
    case 'or':
      return node.children.length ? node.children.map((c) => `(${sqlExpr(c, params, now)})`).join(' OR ') : '0';
    case 'not':
      return `NOT coalesce((${sqlExpr(node.child, params, now)}), 0)`;
    case 'term':
      return termSql(node.field ?? 'message', node.value, node.phrase, node.wildcard, params, now);
    case 'range':
      return rangeSql(node, params, now);
    case 'regex': {
      const field = node.field ?? 'message';
      if (field === 'message') {
        luceneRegex(node.pattern, true);
        params.push(node.pattern);
        return 'ls_regex_tokens(e.message, ?)';
      }
      luceneRegex(node.pattern, false);
      params.push(node.pattern);
      return `ls_regex(${valueSql(field)}, ?)`;
    }
    case 'exists': {
      if (node.field === 'message' || node.field === '@timestamp' || node.field === 'event.ingested') return '1';
      return `${valueSql(node.field)} IS NOT NULL`;
    }
    default:
      throw new QueryError(
        'QUERY_UNSUPPORTED',
        `The embedded store cannot run "${(node as { kind?: unknown }).kind as string}" queries yet.`,
      );
  }
}

function termSql(
  field: string,
  raw: string,
  phrase: boolean,
  wildcard: boolean,
  params: unknown[],
  now: number,
): string {
  if (field === 'message') {
    const node: QueryNode = { kind: 'term', field: null, value: raw, phrase, wildcard };
    if (isFts(node)) {
      params.push(ftsExpr(node));
      return 'e.rowid IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)';
    }
    if (wildcard) {
      wildcardRegex(raw);
      params.push(raw);
      return 'ls_wildcard_tokens(e.message, ?)';
    }
    // No word characters at all: Elasticsearch's analyser yields no token, and the phrase matches nothing.
    return '0';
  }
  const value = LOWERCASE.has(field) && !phrase ? raw.toLowerCase() : raw;
  const date = DATE_COLUMNS[field];
  if (date) {
    params.push(dateMs(field, value, now));
    return `${date} = ?`;
  }
  if (wildcard) {
    // LIKE backtracks: with several `%` its cost grows as the value length to the power of their number
    // (`a*a*a*a*b` on a long value). One `*` stays LIKE (linear); more go to the automaton matcher.
    if (unescapedStars(value) > 1) {
      wildcardRegex(value);
      params.push(value);
      return `ls_wildcard(${valueSql(field)}, ?)`;
    }
    params.push(likePattern(value));
    return `${valueSql(field)} LIKE ? ESCAPE '\\'`;
  }
  const sql = valueSql(field);
  const numeric = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : null;
  if (numeric !== null && field !== 'host.name' && field !== 'service.name' && field !== 'event.id') {
    // A number typed in a query matches numeric values (status codes) and text values alike, as in Elasticsearch.
    params.push(value, numeric);
    return `${sql} IN (?, ?)`;
  }
  if (field === 'log.flags') {
    params.push(value);
    return `EXISTS (SELECT 1 FROM json_each(e.doc, '$.log.flags') WHERE value = ?)`;
  }
  params.push(value);
  return `${sql} = ?`;
}

function rangeSql(node: Extract<QueryNode, { kind: 'range' }>, params: unknown[], now: number): string {
  if (node.field === 'message') {
    throw new QueryError('QUERY_UNSUPPORTED', 'A range on the message text is not supported.');
  }
  const date = DATE_COLUMNS[node.field];
  const sql = date ?? valueSql(node.field);
  const parts: string[] = [];
  const ops = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
  for (const key of ['gt', 'gte', 'lt', 'lte'] as const) {
    const bound = node[key];
    if (bound === undefined) continue;
    params.push(date ? dateMs(node.field, bound, now) : bound);
    parts.push(`${sql} ${ops[key]} ?`);
  }
  return parts.length ? parts.join(' AND ') : `${sql} IS NOT NULL`;
}

const DATE_MATH_UNITS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** A time in a query: epoch ms, ISO-8601, or `now`, `now-15m`, `now+1h` (the date math Elasticsearch also reads). */
function dateMs(field: string, value: string | number, now: number): number {
  const math = typeof value === 'string' ? /^now(?:([+-])(\d+)([smhdw]))?$/.exec(value) : null;
  if (math) return now + (math[1] === '-' ? -1 : 1) * Number(math[2] ?? 0) * (DATE_MATH_UNITS[math[3] ?? 's'] ?? 0);
  const ms = typeof value === 'number' ? value : /^-?\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(ms)) throw new QueryError('QUERY_UNSUPPORTED', `"${String(value)}" is not a time for ${field}.`);
  return ms;
}

/** The SQL of a field's stored value: its column, or its place in the JSON document. */
export function valueSql(field: string): string {
  const column = COLUMNS[field];
  if (column) return column;
  if (field === 'message') return 'e.message';
  const date = DATE_COLUMNS[field];
  if (date) return date;
  // Field names come from the query; one that cannot be written as a JSON path has no value anywhere.
  if (/["\\]/.test(field) || field.length === 0) return 'NULL';
  if (field.startsWith('labels.')) return `json_extract(e.doc, '$.labels."${sqlText(field.slice(7))}"')`;
  if (NESTED.has(field)) {
    const [a, b] = field.split('.');
    return `json_extract(e.doc, '$.${a!}.${b!}')`;
  }
  return `json_extract(e.doc, '$."${sqlText(field)}"')`;
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
