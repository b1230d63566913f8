import type { QueryNode } from '../../query/ast.js';
import { QueryError } from '../../query/query-error.js';
import { queryTimeMs } from '../../query/time-expression.js';
import { fieldFacts, termValue, type FieldFacts } from '../field-catalogue.js';

/** An Elasticsearch query DSL object; kept loose here because the client's own types are per-query-kind. */
export type EsQuery = Record<string, unknown>;

/**
 * Compiles the AST to an Elasticsearch bool query: never a raw query_string, so users cannot reach other syntax.
 * How each field is searched comes from the field catalogue; times in the query are read here (queryTimeMs), so
 * date math means the same as on the embedded store.
 */
export function compileElasticsearch(node: QueryNode, nowMs: number = Date.now()): EsQuery {
  const compile = (child: QueryNode) => compileElasticsearch(child, nowMs);
  switch (node.kind) {
    case 'all':
      return { match_all: {} };
    case 'and':
      // `a AND NOT b` becomes filter [a] + must_not [b] rather than a nested bool per negation.
      return {
        bool: {
          filter: node.children.filter((c) => c.kind !== 'not').map(compile),
          must_not: node.children.flatMap((c) => (c.kind === 'not' ? [compile(c.child)] : [])),
        },
      };
    case 'or':
      return { bool: { should: node.children.map(compile), minimum_should_match: 1 } };
    case 'not':
      return { bool: { must_not: [compile(node.child)] } };
    case 'term':
      return compileTerm(fieldFacts(node.field ?? 'message'), node, nowMs);
    case 'range':
      return compileRange(fieldFacts(node.field), node, nowMs);
    case 'regex': {
      const field = fieldFacts(node.field ?? 'message');
      // Lucene regexes run on an automaton (no backtracking); the state bound stops `(a+)+`-style blow-ups early.
      return {
        regexp: {
          [field.name]: {
            value: node.pattern,
            flags: 'NONE',
            max_determinized_states: 2000,
            case_insensitive: field.fullText,
          },
        },
      };
    }
    case 'exists':
      return { exists: { field: node.field } };
  }
}

function compileTerm(field: FieldFacts, node: Extract<QueryNode, { kind: 'term' }>, nowMs: number): EsQuery {
  const value = termValue(field, node);
  if (node.wildcard) return { wildcard: { [field.name]: { value, case_insensitive: true } } };
  // A word such as "web-1" or "10.0.0.1" splits into several tokens; a phrase keeps them together and in order.
  if (field.fullText) return { match_phrase: { [field.name]: value } };
  if (field.type === 'date') return { term: { [field.name]: isoTime(field, value, nowMs) } };
  // Every event's `event.id` is its `_id`, whose terms are indexed; its own are not (index-templates.ts).
  if (field.name === 'event.id') return { ids: { values: [value] } };
  return { term: { [field.name]: value } };
}

function compileRange(field: FieldFacts, node: Extract<QueryNode, { kind: 'range' }>, nowMs: number): EsQuery {
  if (field.fullText) {
    throw new QueryError('QUERY_UNSUPPORTED', `"${field.name}" is full text; ranges compare exact values.`);
  }
  const bounds: Record<string, number | string> = {};
  for (const key of ['gt', 'gte', 'lt', 'lte'] as const) {
    const bound = node[key];
    if (bound !== undefined) bounds[key] = field.type === 'date' ? isoTime(field, bound, nowMs) : bound;
  }
  return { range: { [field.name]: bounds } };
}

function isoTime(field: FieldFacts, value: string | number, nowMs: number): string {
  return new Date(queryTimeMs(field.name, value, nowMs)).toISOString();
}
