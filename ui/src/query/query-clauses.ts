// With `.js`, as the collector's own modules import it: the UI's bundler and the Node tests both resolve it.
import { resolveField } from '../../../collector/query/field-names.js';

/**
 * Edits of the query text that facets, event details and rows make: add a clause, select several values of one
 * field (OR), exclude a value. They work on the text, so the user's own query stays as typed; only the top level is
 * looked at, which is where these clauses live.
 */

/** One clause at the top level of a query: its text and where it sits. */
export interface Clause {
  start: number;
  end: number;
  text: string;
}

/** Characters that end an unquoted word in the query language. */
const WORD_END = /[\s()"]/;

/**
 * Where the clause starting at `i` ends: quotes, escapes, brackets and `/regex/` are skipped whole, so spaces or `OR`
 * inside them do not end it. An unclosed bracket runs to the end of the text (the server reports the error).
 */
function clauseEnd(q: string, i: number): number {
  let depth = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (c === '\\') i += 2;
    else if (c === '"') {
      i++;
      while (i < q.length && q[i] !== '"') i += q[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '/' && (i === 0 || /[\s(:]/.test(q[i - 1]!))) i = regexEnd(q, i) + 1;
    else if (c === '(' || c === '[' || c === '{') {
      depth++;
      i++;
    } else if (c === ')' || c === ']' || c === '}') {
      depth = Math.max(0, depth - 1);
      i++;
    } else if (/\s/.test(c) && depth === 0) return i;
    else i++;
  }
  return q.length;
}

/** The closing slash of a regex opened at `i`, as the parser reads it: only when the clause ends right after it. */
function regexEnd(q: string, i: number): number {
  for (let j = i + 1; j < q.length; j++) {
    if (q[j] === '\\') j++;
    else if (q[j] === '/') {
      const next = q[j + 1];
      return next === undefined || WORD_END.test(next) ? j : i;
    }
  }
  return i;
}

/** The words of a query's top level, operators included, each with where it sits. */
function* topLevelWords(q: string): Generator<Clause> {
  for (let i = 0; i < q.length;) {
    if (/\s/.test(q[i]!)) i++;
    else {
      const end = clauseEnd(q, i);
      yield { start: i, end, text: q.slice(i, end) };
      i = end;
    }
  }
}

/**
 * The clauses ANDed at the top level of a query (`AND`, `&&` and adjacency), with `NOT x` kept as one clause; undefined
 * when the top level has an `OR`, since nothing can then be added without brackets.
 */
export function topLevelClauses(q: string): Clause[] | undefined {
  const clauses: Clause[] = [];
  let negation: number | undefined;
  for (const word of topLevelWords(q)) {
    if (word.text === 'OR' || word.text === '||') return undefined;
    if (word.text === 'NOT') negation ??= word.start;
    else if (word.text !== 'AND' && word.text !== '&&') {
      const start = negation ?? word.start;
      clauses.push({ start, end: word.end, text: q.slice(start, word.end) });
      negation = undefined;
    }
  }
  return clauses;
}

/** Adds a clause with AND; the query is bracketed only when its top level has an OR, so repeated additions stay flat. */
export function addClause(q: string, clause: string): string {
  const trimmed = q.trim();
  if (!trimmed) return clause;
  return topLevelClauses(trimmed) ? `${trimmed} AND ${clause}` : `(${trimmed}) AND ${clause}`;
}

/** A value as the query language writes it: numbers bare, text quoted with `\` and `"` escaped. */
export function formatValue(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A clause for one field value: `field:"value"`, or `-field:"value"` to exclude it. */
export function fieldClause(field: string, value: string | number | boolean, exclude = false): string {
  return `${exclude ? '-' : ''}${field}:${formatValue(value)}`;
}

/** A top-level clause that names values of one field: `f:v`, `f:"v"`, `f:(v1 OR "v2")`, or its negation. */
interface FieldValues {
  field: string;
  values: string[];
  negated: boolean;
}

function unquote(text: string): string | undefined {
  if (text.startsWith('"')) {
    if (!text.endsWith('"') || text.length < 2) return undefined;
    return text.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  // Wildcards, ranges, comparisons and regexes select more than one value: not a facet's clause.
  if (!text || /[*?[\]{}<>/\\()\s]/.test(text)) return undefined;
  return text;
}

/** Reads a clause that selects values of one field, or undefined for any other clause. */
function fieldValues(clause: string): FieldValues | undefined {
  const m = /^(-|!|NOT\s+)?([A-Za-z_@][\w.@-]*):(.*)$/s.exec(clause);
  if (!m) return undefined;
  const negated = m[1] !== undefined;
  const body = m[3]!;
  if (!body.startsWith('(')) {
    const value = unquote(body);
    return value === undefined ? undefined : { field: resolveField(m[2]!), values: [value], negated };
  }
  if (!body.endsWith(')')) return undefined;
  const inner = body.slice(1, -1);
  const parts = topLevelOr(inner);
  const values = parts?.map(unquote);
  if (!values || values.some((v) => v === undefined)) return undefined;
  return { field: resolveField(m[2]!), values: values as string[], negated };
}

/** The alternatives of `a OR b OR c` (nothing else at the top level), or undefined. */
function topLevelOr(text: string): string[] | undefined {
  const parts: string[] = [];
  let expectValue = true;
  for (const { text: word } of topLevelWords(text)) {
    if (expectValue) {
      if (word === 'OR' || word === 'AND' || word === 'NOT') return undefined;
      parts.push(word);
    } else if (word !== 'OR' && word !== '||') return undefined;
    expectValue = !expectValue;
  }
  return parts.length > 0 && !expectValue ? parts : undefined;
}

const sameValue = (a: string, b: string | number) => a === String(b);
const NUMBER = /^-?\d+(\.\d+)?$/;

/** What the query selects of one field at the top level: the values ORed in, and the values excluded. */
export function selectedValues(q: string, field: string): { included: string[]; excluded: string[] } {
  const target = resolveField(field);
  const included: string[] = [];
  const excluded: string[] = [];
  for (const clause of topLevelClauses(q) ?? []) {
    const fv = fieldValues(clause.text);
    if (fv?.field !== target) continue;
    (fv.negated ? excluded : included).push(...fv.values);
  }
  return { included, excluded };
}

/** The query without `clause`, with the `AND` that joined it removed too. */
function removeClause(q: string, clause: Clause): string {
  const before = q.slice(0, clause.start).replace(/\s*(?:\bAND\b|&&)?\s*$/, '');
  const after = q.slice(clause.end).replace(/^\s*(?:\bAND\b|&&)?\s*/, '');
  return before && after ? `${before} AND ${after}` : before || after;
}

/** The clause that ORs `values` of a field; a numeric field's values are written bare. */
function includeClause(field: string, values: readonly string[], numeric: boolean): string {
  const written = values.map((v) => (numeric && NUMBER.test(v) ? v : formatValue(v)));
  return values.length === 1 ? `${field}:${written[0]}` : `${field}:(${written.join(' OR ')})`;
}

/** The first top-level clause that includes values of `field`. */
function includeClauseOf(q: string, field: string): { clause: Clause; values: string[] } | undefined {
  const target = resolveField(field);
  for (const clause of topLevelClauses(q) ?? []) {
    const fv = fieldValues(clause.text);
    if (fv && fv.field === target && !fv.negated) return { clause, values: fv.values };
  }
  return undefined;
}

/**
 * Selects or deselects one value of a field: the values selected together are ORed in one clause
 * (`host:("web-1" OR "web-2")`), which replaces the field's earlier clause in place.
 */
export function toggleValue(q: string, field: string, value: string | number): string {
  const found = includeClauseOf(q, field);
  if (!found) return addClause(q, fieldClause(field, value));
  const values = found.values.some((v) => sameValue(v, value))
    ? found.values.filter((v) => !sameValue(v, value))
    : [...found.values, String(value)];
  if (values.length === 0) return removeClause(q, found.clause);
  const clause = includeClause(field, values, typeof value === 'number');
  return q.slice(0, found.clause.start) + clause + q.slice(found.clause.end);
}

/** Excludes one value of a field (taking it out of the field's selection first); excluding it twice changes nothing. */
export function excludeValue(q: string, field: string, value: string | number): string {
  let next = q;
  if (includeClauseOf(next, field)?.values.some((v) => sameValue(v, value))) next = toggleValue(next, field, value);
  if (selectedValues(next, field).excluded.some((v) => sameValue(v, value))) return next;
  return addClause(next, fieldClause(field, value, true));
}

/** Takes back the exclusion of one value. */
export function unexcludeValue(q: string, field: string, value: string): string {
  const target = resolveField(field);
  for (const clause of topLevelClauses(q) ?? []) {
    const fv = fieldValues(clause.text);
    if (fv?.field === target && fv.negated && fv.values.length === 1 && fv.values[0] === value) {
      return removeClause(q, clause);
    }
  }
  return q;
}

/**
 * The query a facet counts with: without the field's own selection, so the values not yet selected keep their counts
 * and can be added to the OR.
 */
export function withoutSelection(q: string, field: string): string {
  const found = includeClauseOf(q, field);
  return found ? removeClause(q, found.clause) : q;
}
