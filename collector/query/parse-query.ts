import { parse as parseLiqe, SyntaxError as LiqeSyntaxError } from 'liqe';
import type { ParserAst, TagToken } from 'liqe';
import type { QueryNode } from './ast.js';
import { resolveField } from './field-names.js';
import { QueryError } from './query-error.js';

/** Bounds that keep one query from occupying the store: longer or larger queries are refused up front. */
export const QUERY_LIMITS = { maxLength: 4096, maxClauses: 1024, maxRegexLength: 256 } as const;

/**
 * Parses the query language (CONTRACT §6) into the store-neutral AST, resolving short field names.
 * Throws QueryError with the character position of the problem.
 */
export function parseQuery(text: string): QueryNode {
  if (text.length > QUERY_LIMITS.maxLength) {
    throw new QueryError(
      'QUERY_TOO_COMPLEX',
      `The query is longer than ${QUERY_LIMITS.maxLength} characters.`,
      QUERY_LIMITS.maxLength,
    );
  }
  if (text.trim() === '') return { kind: 'all' };
  let ast: ParserAst;
  try {
    ast = parseLiqe(text);
  } catch (err) {
    // liqe reports a position for unexpected characters; an unfinished query ("a AND (") fails at its end.
    const position = err instanceof LiqeSyntaxError ? err.offset : text.length;
    const what = position >= text.length ? 'the query ends too early' : `unexpected "${text[position]}"`;
    throw new QueryError('QUERY_SYNTAX', `Syntax error at position ${position}: ${what}.`, position);
  }
  const counter = { clauses: 0 };
  return convert(ast, text, counter);
}

function convert(node: ParserAst, text: string, counter: { clauses: number }): QueryNode {
  switch (node.type) {
    case 'EmptyExpression':
      return { kind: 'all' };
    case 'ParenthesizedExpression':
      return convert(node.expression, text, counter);
    case 'UnaryOperator':
      return { kind: 'not', child: convert(node.operand, text, counter) };
    case 'LogicalExpression': {
      const kind = node.operator.operator === 'OR' ? 'or' : 'and';
      const children: QueryNode[] = [];
      for (const side of [convert(node.left, text, counter), convert(node.right, text, counter)]) {
        // Flatten a OR b OR c into one node so the compiled query stays shallow.
        if (side.kind === kind) children.push(...side.children);
        else children.push(side);
      }
      return { kind, children };
    }
    case 'Tag':
      if (++counter.clauses > QUERY_LIMITS.maxClauses) {
        throw new QueryError(
          'QUERY_TOO_COMPLEX',
          `The query has more than ${QUERY_LIMITS.maxClauses} clauses.`,
          node.location.start,
        );
      }
      return convertTag(node);
  }
}

function numberOrString(value: string): number | string {
  return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
}

function convertTag(tag: TagToken): QueryNode {
  const field = tag.field.type === 'ImplicitField' ? null : resolveField(tag.field.name);
  const expr = tag.expression;
  const position = expr.location.start;
  switch (expr.type) {
    case 'EmptyExpression':
      throw new QueryError(
        'QUERY_SYNTAX',
        `Syntax error at position ${position}: a value is missing after ":".`,
        position,
      );
    case 'RegexExpression': {
      const m = /^\/(.*)\/([a-z]*)$/s.exec(expr.value);
      const pattern = m ? m[1]! : expr.value;
      if (pattern.length > QUERY_LIMITS.maxRegexLength) {
        throw new QueryError(
          'QUERY_TOO_COMPLEX',
          `Regular expressions are limited to ${QUERY_LIMITS.maxRegexLength} characters.`,
          position,
        );
      }
      return { kind: 'regex', field, pattern };
    }
    case 'RangeExpression': {
      if (!field) throw new QueryError('QUERY_SYNTAX', `A range needs a field, at position ${position}.`, position);
      const { min, max, minInclusive, maxInclusive } = expr.range;
      return {
        kind: 'range',
        field,
        ...(minInclusive ? { gte: min } : { gt: min }),
        ...(maxInclusive ? { lte: max } : { lt: max }),
      };
    }
    case 'LiteralExpression': {
      const value = String(expr.value);
      // liqe leaves `operator` out for bare words (no field).
      const op = (tag.operator as TagToken['operator'] | undefined)?.operator ?? ':';
      if (op === ':' || op === ':=') {
        const wildcard = !expr.quoted && /[*?]/.test(value);
        return { kind: 'term', field, value, phrase: expr.quoted, wildcard };
      }
      if (!field)
        throw new QueryError('QUERY_SYNTAX', `A comparison needs a field, at position ${position}.`, position);
      const bound = numberOrString(value);
      const key = ({ ':>': 'gt', ':>=': 'gte', ':<': 'lt', ':<=': 'lte' } as const)[op];
      return { kind: 'range', field, [key]: bound };
    }
  }
}
