/**
 * The query AST every store compiles: parsed once from the query language (docs/query-language.md), with field
 * names already resolved to stored (ECS) names. `field: null` means the message text.
 */
export type QueryNode =
  | { kind: 'all' }
  | { kind: 'and'; children: QueryNode[] }
  | { kind: 'or'; children: QueryNode[] }
  | { kind: 'not'; child: QueryNode }
  /** A word (or `val*` when `wildcard`), or a phrase when `phrase`. */
  | { kind: 'term'; field: string | null; value: string; phrase: boolean; wildcard: boolean }
  | {
      kind: 'range';
      field: string;
      gt?: number | string;
      gte?: number | string;
      lt?: number | string;
      lte?: number | string;
    }
  | { kind: 'regex'; field: string | null; pattern: string }
  /** `field:*`: the field has a value. */
  | { kind: 'exists'; field: string };

/** AND of the given nodes, dropping match-alls; a single node stays itself. */
export function and(...nodes: QueryNode[]): QueryNode {
  const children = nodes.filter((n) => n.kind !== 'all');
  if (children.length === 0) return { kind: 'all' };
  return children.length === 1 ? children[0]! : { kind: 'and', children };
}

/** Matches any of `values` on `field` (an empty list matches everything). */
export function anyOf(field: string, values: readonly string[]): QueryNode {
  if (values.length === 0) return { kind: 'all' };
  const terms: QueryNode[] = values.map((value) => ({ kind: 'term', field, value, phrase: false, wildcard: false }));
  return terms.length === 1 ? terms[0]! : { kind: 'or', children: terms };
}
