import type { QueryNode } from './ast.js';

/** An Elasticsearch query DSL object; kept loose here because the client's own types are per-query-kind. */
export type EsQuery = Record<string, unknown>;

/** Fields stored as text: matched by analysed phrases, not exact terms. */
const TEXT_FIELDS = new Set(['message']);

/** Values of these fields are stored lower-case. */
const LOWERCASE_FIELDS = new Set(['log.level']);

/** Compiles the AST to an Elasticsearch bool query: never a raw query_string, so users cannot reach other syntax. */
export function compileElasticsearch(node: QueryNode): EsQuery {
  switch (node.kind) {
    case 'all':
      return { match_all: {} };
    case 'and':
      return {
        bool: {
          filter: node.children.filter((c) => c.kind !== 'not').map(compileElasticsearch),
          must_not: negated(node.children),
        },
      };
    case 'or':
      return { bool: { should: node.children.map(compileElasticsearch), minimum_should_match: 1 } };
    case 'not':
      return { bool: { must_not: [compileElasticsearch(node.child)] } };
    case 'term':
      return compileTerm(node.field ?? 'message', node.value, node.phrase, node.wildcard);
    case 'range': {
      const bounds: Record<string, number | string> = {};
      for (const key of ['gt', 'gte', 'lt', 'lte'] as const) if (node[key] !== undefined) bounds[key] = node[key];
      return { range: { [node.field]: bounds } };
    }
    case 'regex':
      // Lucene regexes run on an automaton (no backtracking); the state bound stops `(a+)+`-style blow-ups early.
      return {
        regexp: {
          [node.field ?? 'message']: {
            value: node.pattern,
            flags: 'NONE',
            max_determinized_states: 2000,
            case_insensitive: TEXT_FIELDS.has(node.field ?? 'message'),
          },
        },
      };
    case 'exists':
      return { exists: { field: node.field } };
  }
}

/** `a AND NOT b` becomes filter [a] + must_not [b] rather than a nested bool per negation. */
function negated(children: QueryNode[]): EsQuery[] {
  return children.flatMap((c) => (c.kind === 'not' ? [compileElasticsearch(c.child)] : []));
}

function compileTerm(field: string, raw: string, phrase: boolean, wildcard: boolean): EsQuery {
  const value = LOWERCASE_FIELDS.has(field) ? raw.toLowerCase() : raw;
  if (wildcard) return { wildcard: { [field]: { value, case_insensitive: true } } };
  // A word such as "web-1" or "10.0.0.1" splits into several tokens; a phrase keeps them together and in order.
  if (TEXT_FIELDS.has(field)) return { match_phrase: { [field]: value } };
  return { term: { [field]: phrase ? raw : value } };
}
