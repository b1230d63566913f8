import type { QueryNode } from './ast.js';
import { isFieldName, resolveField } from './field-names.js';
import { QueryError } from './query-error.js';
import { QUERY_LIMITS } from './query-limits.js';

export { QUERY_LIMITS } from './query-limits.js';

/**
 * Parses the query language (see docs/query-language.md) into the store-neutral AST, resolving short field names.
 * A hand-written recursive-descent parser: liqe binds `a OR b AND c` as `(a OR b) AND c`, while users bring
 * Lucene's precedence (`a OR (b AND c)`) from Kibana and Graylog. Throws QueryError with the character position.
 *
 *   query   := or EOF
 *   or      := and (("OR" | "||") and)*
 *   and     := unary (("AND" | "&&")? unary)*        adjacent clauses are ANDed
 *   unary   := ("NOT" | "-" | "!") unary | "+"? primary
 *   primary := "(" or ")" | FIELD ":" value | FIELD ":" ("(" or ")") | value
 *   value   := PHRASE | /REGEX/ | [a TO b] | {a TO b} | (">" | ">=" | "<" | "<=") WORD | WORD
 */
export function parseQuery(text: string): QueryNode {
  if (text.length > QUERY_LIMITS.maxLength) {
    throw new QueryError(
      'QUERY_TOO_COMPLEX',
      `The query is longer than ${QUERY_LIMITS.maxLength} characters.`,
      QUERY_LIMITS.maxLength,
    );
  }
  return new Parser(text).parse();
}

/** Characters that end an unquoted word. */
const WORD_END = new Set([' ', '\t', '\n', '\r', '(', ')', '"']);

class Parser {
  private pos = 0;
  private depth = 0;
  private clauses = 0;
  private regexes = 0;
  private leadingWildcards = 0;

  constructor(private readonly text: string) {}

  parse(): QueryNode {
    this.skipSpace();
    if (this.atEnd()) return { kind: 'all' };
    const node = this.parseOr(null);
    this.skipSpace();
    if (!this.atEnd()) this.fail(`unexpected "${this.text[this.pos]}"`);
    return node;
  }

  private parseOr(field: string | null): QueryNode {
    const children = [this.parseAnd(field)];
    while (this.keyword('OR') || this.symbol('||')) children.push(this.parseAnd(field));
    return flatten('or', children);
  }

  private parseAnd(field: string | null): QueryNode {
    const children = [this.parseUnary(field)];
    for (;;) {
      this.skipSpace();
      if (this.atEnd() || this.peek() === ')' || this.peekKeyword('OR') || this.text.startsWith('||', this.pos)) break;
      if (!this.keyword('AND')) this.symbol('&&');
      children.push(this.parseUnary(field));
    }
    return flatten('and', children);
  }

  private parseUnary(field: string | null): QueryNode {
    this.skipSpace();
    const start = this.pos;
    if (this.keyword('NOT') || this.prefix('-') || this.prefix('!')) {
      return { kind: 'not', child: this.nested(start, () => this.parseUnary(field)) };
    }
    this.prefix('+');
    return this.parsePrimary(field);
  }

  private parsePrimary(field: string | null): QueryNode {
    this.skipSpace();
    if (this.atEnd()) this.fail('the query ends too early');
    const start = this.pos;
    const c = this.peek();
    if (c === '(') return this.group(start, field);
    if (c === ')') this.fail('unexpected ")"');
    if (field === null) {
      const name = this.fieldPrefix();
      if (name !== null) {
        const resolved = resolveField(name);
        this.skipSpace();
        if (this.peek() === '(') return this.group(this.pos, resolved);
        return this.parseValue(resolved, true);
      }
    }
    return this.parseValue(field, field !== null);
  }

  private group(start: number, field: string | null): QueryNode {
    this.pos++;
    const node = this.nested(start, () => this.parseOr(field));
    this.skipSpace();
    if (this.atEnd()) this.fail('the query ends too early: a ")" is missing');
    if (this.peek() !== ')') this.fail(`unexpected "${this.peek()}"`);
    this.pos++;
    return node;
  }

  /** Reads `name:` when the next word is a field name followed by a colon; otherwise leaves the position alone. */
  private fieldPrefix(): string | null {
    const colon = this.text.indexOf(':', this.pos);
    if (colon <= this.pos) return null;
    const name = this.text.slice(this.pos, colon);
    if (!isFieldName(name) || name === 'AND' || name === 'OR' || name === 'NOT') return null;
    this.pos = colon + 1;
    return name;
  }

  /** A value after `field:` (or a bare word/phrase on the message when `field` is null). */
  private parseValue(field: string | null, afterColon: boolean): QueryNode {
    const start = this.pos;
    if (this.atEnd() || (WORD_END.has(this.peek()) && this.peek() !== '"' && this.peek() !== '(')) {
      this.fail(afterColon ? 'a value is missing after ":"' : 'a value is missing');
    }
    this.countClause(start);
    const c = this.peek();
    if (c === '"') return { kind: 'term', field, value: this.phrase(), phrase: true, wildcard: false };
    if (c === '/' && this.regexEnd() > 0) return this.regex(field, start);
    if (afterColon && (c === '[' || c === '{')) return this.range(field!, start);
    if (afterColon && (c === '>' || c === '<')) {
      const op = this.text.startsWith('=', this.pos + 1) ? `${c}=` : c;
      this.pos += op.length;
      const { value } = this.word();
      if (value === '') this.fail(`a value is missing after "${op}"`);
      const key = ({ '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte' } as const)[op as '>' | '>=' | '<' | '<='];
      return { kind: 'range', field: field!, [key]: numberOrString(value) };
    }
    const { value, wildcard } = this.word();
    if (value === '') this.fail(`unexpected "${c}"`);
    if (!wildcard) return { kind: 'term', field, value, phrase: false, wildcard: false };
    if (value === '*') return field === null ? { kind: 'all' } : { kind: 'exists', field };
    if (value[0] === '*' || value[0] === '?') this.checkLeadingWildcard(value, start);
    return { kind: 'term', field, value, phrase: false, wildcard: true };
  }

  private checkLeadingWildcard(value: string, start: number): void {
    const literals = value.replace(/[*?]/g, '').length;
    if (++this.leadingWildcards > QUERY_LIMITS.maxLeadingWildcards) {
      throw new QueryError(
        'QUERY_TOO_COMPLEX',
        `At most ${QUERY_LIMITS.maxLeadingWildcards} terms may start with a wildcard (position ${start}).`,
        start,
      );
    }
    if (literals < QUERY_LIMITS.minLeadingWildcardLiterals) {
      throw new QueryError(
        'QUERY_TOO_COMPLEX',
        `A term that starts with a wildcard needs at least ${QUERY_LIMITS.minLeadingWildcardLiterals} other characters (position ${start}).`,
        start,
      );
    }
  }

  /** An unquoted word with backslash escapes; `wildcard` when it holds an unescaped `*` or `?`. */
  private word(): { value: string; wildcard: boolean } {
    let value = '';
    let wildcard = false;
    while (!this.atEnd() && !WORD_END.has(this.peek())) {
      const c = this.peek();
      if (c === '\\') {
        if (this.pos + 1 >= this.text.length) this.fail('a "\\" escapes nothing');
        const escaped = this.text[this.pos + 1]!;
        // An escaped wildcard stays literal: the store's wildcard syntax escapes it the same way.
        value += escaped === '*' || escaped === '?' || escaped === '\\' ? `\\${escaped}` : escaped;
        this.pos += 2;
        continue;
      }
      if (c === '*' || c === '?') wildcard = true;
      value += c;
      this.pos++;
    }
    if (!wildcard) value = value.replace(/\\([*?\\])/g, '$1');
    return { value, wildcard };
  }

  private phrase(): string {
    const start = this.pos;
    this.pos++;
    let value = '';
    while (!this.atEnd() && this.peek() !== '"') {
      if (this.peek() === '\\' && this.pos + 1 < this.text.length) this.pos++;
      value += this.text[this.pos];
      this.pos++;
    }
    if (this.atEnd()) {
      throw new QueryError(
        'QUERY_SYNTAX',
        `Syntax error at position ${start}: the phrase is not closed with a quote.`,
        start,
      );
    }
    this.pos++;
    return value;
  }

  /**
   * The index of the closing slash of a regex starting here, or -1. A slash only closes a regex when the clause
   * ends right after it, so a path such as `url:/api/*` stays a word.
   */
  private regexEnd(): number {
    for (let i = this.pos + 1; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === '\\') {
        i++;
        continue;
      }
      if (c !== '/') continue;
      const next = this.text[i + 1];
      return next === undefined || WORD_END.has(next) ? i : -1;
    }
    return -1;
  }

  private regex(field: string | null, start: number): QueryNode {
    const end = this.regexEnd();
    const pattern = this.text.slice(this.pos + 1, end).replace(/\\\//g, '/');
    this.pos = end + 1;
    if (pattern.length > QUERY_LIMITS.maxRegexLength) {
      throw new QueryError(
        'QUERY_TOO_COMPLEX',
        `Regular expressions are limited to ${QUERY_LIMITS.maxRegexLength} characters (position ${start}).`,
        start,
      );
    }
    if (++this.regexes > QUERY_LIMITS.maxRegexes) {
      throw new QueryError(
        'QUERY_TOO_COMPLEX',
        `A query may hold at most ${QUERY_LIMITS.maxRegexes} regular expressions (position ${start}).`,
        start,
      );
    }
    return { kind: 'regex', field, pattern };
  }

  /** `[a TO b]`, `{a TO b}` or mixed brackets; `*` leaves a side open. */
  private range(field: string, start: number): QueryNode {
    const minInclusive = this.peek() === '[';
    this.pos++;
    this.skipSpace();
    const min = this.rangeBound();
    if (!this.keyword('TO')) this.fail('a range needs "TO" between its bounds');
    this.skipSpace();
    const max = this.rangeBound();
    this.skipSpace();
    const close = this.peek();
    if (close !== ']' && close !== '}') this.fail('a range must end with "]" or "}"');
    this.pos++;
    const maxInclusive = close === ']';
    if (min === null && max === null) return { kind: 'exists', field };
    void start;
    return {
      kind: 'range',
      field,
      ...(min === null ? {} : minInclusive ? { gte: min } : { gt: min }),
      ...(max === null ? {} : maxInclusive ? { lte: max } : { lt: max }),
    };
  }

  private rangeBound(): number | string | null {
    if (this.atEnd()) this.fail('the query ends too early: the range is not closed');
    let value: string;
    if (this.peek() === '"') value = this.phrase();
    else {
      const start = this.pos;
      while (!this.atEnd() && !/[\s\]}]/.test(this.peek())) this.pos++;
      value = this.text.slice(start, this.pos);
    }
    if (value === '') this.fail('a range bound is missing');
    return value === '*' ? null : numberOrString(value);
  }

  private nested<T>(start: number, parse: () => T): T {
    if (++this.depth > QUERY_LIMITS.maxDepth) {
      throw new QueryError(
        'QUERY_TOO_COMPLEX',
        `The query nests deeper than ${QUERY_LIMITS.maxDepth} levels (position ${start}).`,
        start,
      );
    }
    const node = parse();
    this.depth--;
    return node;
  }

  private countClause(start: number): void {
    if (++this.clauses > QUERY_LIMITS.maxClauses) {
      throw new QueryError(
        'QUERY_TOO_COMPLEX',
        `The query has more than ${QUERY_LIMITS.maxClauses} clauses (position ${start}).`,
        start,
      );
    }
  }

  /** Consumes an upper-case operator word when it stands alone (`OR`, not `ORACLE`). */
  private keyword(word: string): boolean {
    if (!this.peekKeyword(word)) return false;
    this.skipSpace();
    this.pos += word.length;
    return true;
  }

  private peekKeyword(word: string): boolean {
    this.skipSpace();
    if (!this.text.startsWith(word, this.pos)) return false;
    const next = this.text[this.pos + word.length];
    return next === undefined || /[\s(]/.test(next) || (next === '"' && word !== 'TO');
  }

  private symbol(s: string): boolean {
    this.skipSpace();
    if (!this.text.startsWith(s, this.pos)) return false;
    this.pos += s.length;
    return true;
  }

  /** `-`, `!` or `+` directly before a clause (`-debug`), never followed by a space. */
  private prefix(c: string): boolean {
    if (this.peek() !== c) return false;
    const next = this.text[this.pos + 1];
    if (next === undefined || /[\s)]/.test(next)) return false;
    this.pos++;
    return true;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private peek(): string {
    return this.text[this.pos] ?? '';
  }

  private atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  private fail(what: string): never {
    throw new QueryError('QUERY_SYNTAX', `Syntax error at position ${this.pos}: ${what}.`, this.pos);
  }
}

/** Builds an AND/OR node, merging nested nodes of the same kind so the compiled query stays shallow. */
function flatten(kind: 'and' | 'or', nodes: QueryNode[]): QueryNode {
  if (nodes.length === 1) return nodes[0]!;
  const children: QueryNode[] = [];
  for (const n of nodes) {
    if (n.kind === kind) children.push(...n.children);
    else if (n.kind === 'all' && kind === 'and') continue;
    else if (n.kind === 'all') return n;
    else children.push(n);
  }
  if (children.length === 0) return { kind: 'all' };
  return children.length === 1 ? children[0]! : { kind, children };
}

function numberOrString(value: string): number | string {
  return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
}
