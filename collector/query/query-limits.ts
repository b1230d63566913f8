/**
 * Bounds that keep one query from occupying the store: a query past any of them is refused up front with
 * QUERY_TOO_COMPLEX, before the store sees it. docs/error-codes.md lists them.
 */
export const QUERY_LIMITS = {
  maxLength: 16_384,
  /** Leaf clauses (words, phrases, ranges, regexes) in one query. */
  maxClauses: 1024,
  /** Parentheses and NOTs nest at most this deep: deeper nesting is never written by hand. */
  maxDepth: 32,
  maxRegexLength: 256,
  maxRegexes: 4,
  /** `*foo` walks the whole term dictionary: a few per query, each with enough literal text to stay selective. */
  maxLeadingWildcards: 2,
  minLeadingWildcardLiterals: 3,
} as const;
